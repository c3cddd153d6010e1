"""The desk's application service: what a handler can do, for every face.

``tysha desk …`` (:mod:`tysha.desk.cli`) and the web desk (:mod:`tysha.desk.web`) are thin
faces over :class:`Desk`: they parse input, call one method, and render
:class:`~tysha.desk.views.ReportView` objects. Nothing here prints or knows about HTTP; every
failure is a :class:`~tysha.errors.TyshaError` of the family that says what it means
(``NotFound``, ``NotAllowed``, ``BadPassphrase``, ``BadInput``, ``TransportError`` …).

::

    Desk.init(dir, name, passphrase, role="handler", escrow_key=None) -> fingerprint
    Desk.info(dir) -> {"name", "role", "fingerprint", "public_key"}   (no passphrase)
    desk = Desk.open(dir, passphrase)         # BadPassphrase / NotFound
    desk.reports(category=, status=, since=, until=, search=, flagged=, sort=) -> [ReportView]
    desk.report(ref) -> ReportView            # id or unambiguous id prefix
    desk.resolve(ref) -> id;  desk.custody(ref=None) -> [event dict]
    desk.set_status / add_qualification / remove_qualification / add_note
    desk.attachment(ref, n) -> AttachmentView;  desk.attachment_chunks(ref, n) -> iterator
    desk.fetch(progress=None) -> FetchResult  (also sends queued replies)
    desk.quarantined() -> [{"drop", "index", "digest", "reason", "at"}]
    desk.watch_drop(url, vkey)
    desk.reply(ref, text) -> ReplyOutcome     (queued in a sealed outbox, then sent if it can)
    desk.send_queued() -> SendResult;  desk.outbox() -> [QueuedReply]
    desk.invite(drop, drop_key, valid_days=14) -> Invitation (NotAllowed unless a handler desk)
    desk.invitation_of(invitation) -> its record {"id", "expires_at", "state", …}
    desk.cancel_invitation(id);  desk.invitations(damaged=None)  (state: open, used, expired,
    cancelled; a first report under an expired or cancelled one enrols no one: flagged)
    desk.drops(damaged=None);  qr_png(invitation) -> PNG bytes
    desk.sources();  desk.source(ref);  desk.revoke(ref, reason);  desk.restore(ref, reason)
    desk.set_real_name(ref, name)
    desk.totp_enabled();  desk.enable_totp() -> otpauth URI;  desk.disable_totp()
    desk.check_totp(code, now=None) -> bool   (a code's time step is accepted once only)
    desk.export(out, ids=None) -> count       (tysha.desk.bundle.export_bundle)
    desk.incidents() -> [summary dict];  desk.incident(id) -> Incident   (desk/cases.py)
    desk.create_incident(title, report refs, reviewer) -> id;  desk.attach_reports(...)
    desk.add_act(id, fields, reviewer, act_id=None) -> act id;  desk.qualify_act(...)
    desk.release_protected(id, reviewer, recipient, reason) -> JSON (custody first)
    desk.corroborate() -> suggestions dict   (desk/corroborate.py)
    desk.import_proofmode(ref, zip) -> [ProvenanceRecord];  desk.set_c2pa_trust(pem)
    desk.share_plan(analyst_key, refs, incident=None, text_approved=False) -> SharePlan
    desk.share(plan, drop=None) -> ShareResult;  desk.pin_handler(key)   (desk/share.py)
An analyst desk (role "analyst") has no sources, replies or invitations: NotAllowed here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tysha.desk.fetch import (
    FetchResult,
    UnprovenConsistency,
    check_receipt_log,
    fetch_all,
    withheld,
)
from tysha.desk.store import (
    ANCHOR_EVERY,
    INVITATION_DAYS,
    STATUSES,
    DeskStore,
    Source,
    init_desk,
    now_iso,
)
from tysha.desk.views import AttachmentView, ReportView, report_view, report_views
from tysha.errors import (
    BadInput,
    DropRefused,
    NotAllowed,
    NotFound,
    ProtocolError,
    StorageError,
    TransportError,
    TyshaError,
    VerificationError,
)
from tysha.evidence.incident import Incident
from tysha.protocol import Invitation
from tysha.transport import DropClient
from tysha.transport.client import is_http_url

__all__ = [
    "STATUSES",
    "Desk",
    "QueuedReply",
    "ReplyOutcome",
    "SendResult",
    "make_invitation",
    "qr_png",
]

#: RFC 6238 parameters the authenticator apps expect: HMAC-SHA1, 6 digits, 30 s steps.
TOTP_STEP = 30
_MAX_REPLY = 64 * 1024
#: The largest ``anchor_every`` taken (a larger one would mean never, said as 0).
_MAX_ANCHOR_EVERY = 1_000_000
#: Desk settings: the TSA automatic anchors ask, and the roots its answer is checked under.
ANCHOR_TSA_URL = "tsa_url"
ANCHOR_TSA_ROOTS = "tsa_roots"

#: Why an escrow desk sends no reply (a gettext msgid).
_ESCROW_NO_REPLY = (
    "an escrow desk does not reply: a source reads replies signed by its handler's key only, "
    "so it would never see this one; ask the source's handler to answer"
)
#: Why a report from a key this desk never enrolled gets no reply (a gettext msgid).
_UNENROLLED_NO_REPLY = (
    "this report's key is not enrolled at this desk (a reused or expired invitation, or "
    "none): a reply would be read by whoever holds that key, so nothing is sent"
)
#: Why no reply goes through a drop caught forking its log (fetch takes nothing more from it:
#: a reply "in its log" may be in a history the source is never shown). gettext msgids.
_FORKED_NO_REPLY = (
    "this report's drop showed a forked history (different logs to different people): a "
    "reply through it may never reach the source, so nothing is sent; tell your organisation"
)
_FORKED_HELD = (
    "the drop showed a forked history: the reply is kept, not sent; tell your organisation"
)
#: Why a reply the drop took stays queued: its receipt's log was not proved one history with
#: the log this desk verified (a gettext msgid).
_RECEIPT_UNCHECKED = (
    "the drop took the reply, but its receipt could not be checked (the drop answered "
    "{status} when asked to prove its log): the reply stays queued and is sent again"
)
_UNPROVEN_RECEIPT = (
    "the drop did not prove its receipt's log consistent with the one this desk verified: "
    "the reply stays queued and is sent again (if this persists, the drop may be hiding a "
    "fork: tell your organisation)"
)
#: Why a queued reply to a key revoked since is not sent (kept as its error; a gettext msgid).
_REVOKED_HELD = (
    "the source's key was revoked as compromised: the reply is held, not sent "
    "(it goes if the key is restored)"
)
#: Why a queued reply to a source whose record no longer decrypts is not sent: whether its key
#: was revoked cannot be read.
_DAMAGED_HELD = (
    "the desk's record of the source is damaged, so whether its key is revoked cannot be "
    "read: the reply is held, not sent (restore the desk folder from your backup)"
)


def _tsa_root_text(pem: bytes) -> str:
    """A TSA root certificate file's text, kept for automatic anchors: refused now when it
    holds no PEM certificate (else every automatic anchor would fail on it later)."""
    from cryptography import x509

    try:
        if x509.load_pem_x509_certificates(pem):
            return pem.decode("ascii")
    except (ValueError, UnicodeDecodeError):
        pass
    raise BadInput("a TSA root given holds no PEM certificate")


@dataclass(frozen=True)
class QueuedReply:
    id: str
    report: str
    text: str
    written_at: str
    attempts: int
    last_error: str


@dataclass(frozen=True)
class ReplyOutcome:
    """What became of a reply: ``sent`` (with the drop's log ``index``) or still ``queued``."""

    queued_id: str
    sent: bool
    index: int | None = None
    error: str = ""
    via: str = ""  # the drop address that took it, when the drop has several
    #: The drop's receipt came from another history than the one this desk verified (a fork:
    #: the drop is flagged, the reply kept queued; ``error`` says so).
    forked: bool = False


@dataclass
class SendResult:
    sent: list[str] = field(default_factory=list)
    left: int = 0
    #: replies kept back because their source's key was revoked since (sent once restored),
    #: or its record is damaged (``held_damaged`` of them: sent once the desk is restored)
    held: int = 0
    held_damaged: int = 0
    #: a drop answered a reply with a receipt from another history: the FORK each time said
    forks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)  # addresses that took them (several-address drops)


def _refuse_another_key(store: DeskStore, url: str, vkey: str) -> None:
    """BadInput if the desk reads ``url`` under another log key. A log's key never changes: an
    invitation under the new one would take the source's reports to a log the desk cannot read
    (or the source could not send), and a fetch would go on under the old one while the
    handler believed the new one pinned."""
    known = store.drop(url)
    if known is not None and known.vkey != vkey:
        raise BadInput(
            f"the desk reads {url} under another log key ({known.vkey}); check --drop-key "
            "(a drop set up anew is a new drop: give it a new address)"
        )


def _with_state(rec: Any, now: str | None = None) -> dict[str, Any]:
    """An invitation's record as the faces show it: its fields and its state ``now``."""
    return dict(rec.to_json(), state=rec.state(now or now_iso()))


def make_invitation(
    store: DeskStore, drop: str | Sequence[str], drop_key: str,
    valid_days: int = INVITATION_DAYS,
) -> Invitation:
    """A fresh one-time invitation through ``drop`` (NotAllowed unless a handler desk).

    ``drop`` may list several addresses of ONE drop's log (an onion address and clearnet
    mirrors, all under ``drop_key``): the source and the desk try them in that order."""
    from tysha.tlog import NoteVerifier

    if store.role != "handler":
        raise NotAllowed("only a handler desk enrols sources")
    # A string may hold several addresses, one a line (the web form); no URL has a space.
    drops = drop.split() if isinstance(drop, str) else list(drop)
    if not drops:
        raise BadInput("give the drop's address with --drop")
    for url in drops:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise BadInput("the drop address must start with http:// or https://")
        if any(c.isspace() for c in url):
            raise BadInput("a drop address has no spaces; give each address with its own --drop")
        if not is_http_url(url):
            raise BadInput("the drop address is not a valid URL")
    if len(set(drops)) != len(drops):
        raise BadInput("the same drop address is given twice")
    try:
        NoteVerifier.from_vkey(drop_key)
    except ProtocolError:
        raise BadInput("that is not a drop's verifier key") from None
    for url in drops:
        _refuse_another_key(store, url, drop_key)
    secret = os.urandom(16)
    inv = Invitation.create(tuple(drops), drop_key, store.identity, store.escrow_key, secret,
                            handler_name=_handler_name(store.name))
    store.add_invitation(secret, drops[0], drop_key, inv.to_text(), drops[1:], valid_days)
    return inv


def _handler_name(name: str) -> str | None:
    """The desk's name (``desk init --name``) as the invitation's handler name, which the
    source page and ``source enroll`` show beside the fingerprint (issue 11); none when the
    name is not acceptable there (too long, control or invisible characters)."""
    from tysha.protocol.invitation import check_handler_name

    shown = " ".join(name.split())
    try:
        return check_handler_name(unicodedata.normalize("NFC", shown))
    except ProtocolError:
        return None


def qr_png(invitation: Invitation, scale: int = 4) -> bytes:
    """The invitation's QR code as a PNG image."""
    import segno

    buf = io.BytesIO()
    segno.make(invitation.qr_payload(), error="l", mode="byte", boost_error=False).save(
        buf, kind="png", scale=scale, border=4
    )
    return buf.getvalue()


def _totp(secret: bytes, step: int) -> str:
    from cryptography.hazmat.primitives.hashes import SHA1
    from cryptography.hazmat.primitives.twofactor.totp import TOTP

    return (
        TOTP(secret, 6, SHA1(), TOTP_STEP, enforce_key_length=False)
        .generate(step * TOTP_STEP)
        .decode()
    )


class Desk:
    """An unlocked desk and everything a handler does with it."""

    def __init__(
        self, store: DeskStore, client_factory: Callable[[str], DropClient] | None = None
    ) -> None:
        self.store = store
        self.client_factory: Callable[[str], DropClient] = client_factory or DropClient

    # --- lifecycle -------------------------------------------------------------------------

    @staticmethod
    def init(
        desk_dir: Path,
        name: str,
        passphrase: str,
        role: str = "handler",
        escrow_key: str | None = None,
    ) -> str:
        """Create a desk; returns its fingerprint."""
        if role not in ("handler", "escrow", "analyst"):
            raise BadInput("a desk is a handler, escrow or analyst desk")
        return init_desk(Path(desk_dir), name, passphrase, role, escrow_key).public().fingerprint()

    @staticmethod
    def info(desk_dir: Path) -> dict[str, str]:
        """Name, role, fingerprint and public key, read without the passphrase."""
        from tysha.desk.keyfile import read_keyfile

        kf = read_keyfile(Path(desk_dir))  # a damaged or newer key file said as such
        return {
            "name": kf.name,
            "role": kf.role,
            "fingerprint": kf.public.fingerprint(),
            "public_key": kf.public_key,
        }

    @classmethod
    def open(
        cls,
        desk_dir: Path,
        passphrase: str,
        client_factory: Callable[[str], DropClient] | None = None,
    ) -> Desk:
        return cls(DeskStore.open(Path(desk_dir), passphrase), client_factory)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Desk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def name(self) -> str:
        return self.store.name

    @property
    def role(self) -> str:
        return self.store.role

    @property
    def fingerprint(self) -> str:
        return self.store.public.fingerprint()

    # --- reports ---------------------------------------------------------------------------

    def resolve(self, ref: str) -> str:
        """A report id from its id or an unambiguous prefix of it."""
        ref = (ref or "").strip().lower()
        if not ref:
            raise BadInput("give a report id")
        ids = self.store.report_ids()
        if ref in ids:
            return ref
        hits = [i for i in ids if i.startswith(ref)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise BadInput(f"{ref!r} is the start of {len(hits)} report ids; give more of it")
        raise NotFound(f"no report {ref!r}")

    def reports(
        self,
        category: str | None = None,
        status: str | None = None,
        since: str | None = None,
        until: str | None = None,
        search: str | None = None,
        flagged: bool | None = None,
        sort: str = "received",
        damaged: list[str] | None = None,
    ) -> list[ReportView]:
        """Reports newest first, by the time received or (``sort="event"``) by the reporter's
        event time, reports without one last. With ``damaged``, reports whose stored record
        does not open are left out and named there (the faces say so); without it they are
        an error."""
        if sort not in ("received", "event"):
            raise BadInput("sort by received or event")
        if status and status not in STATUSES:
            raise BadInput(f"status must be one of {', '.join(STATUSES)}")
        views = report_views(
            self.store,
            self.store.list_reports(
                category=category, status=status, since=since, until=until, search=search,
                damaged=damaged,
            ),
        )
        if flagged is not None:
            views = [v for v in views if bool(v.flags) == flagged]
        if sort == "event":
            views.sort(key=lambda v: (v.event_time != "", v.event_time, v.id), reverse=True)
        return views

    def flagged_among(self, ids: Sequence[str]) -> list[str]:
        """Which of the reports ``ids`` (a fetch's new ones) carry a flag; a damaged report
        elsewhere in the desk never stops the count ('desk list' names it)."""
        new = set(ids)
        return [v.id for v in self.reports(flagged=True, damaged=[]) if v.id in new] if new else []

    def report(self, ref: str) -> ReportView:
        return report_view(self.store, self.store.get_report(self.resolve(ref)))

    def custody(
        self, ref: str | None = None, damaged: list[int] | None = None
    ) -> list[dict[str, Any]]:
        """The custody events (of ``ref``); with ``damaged``, those that do not decrypt are
        left out and their numbers put there (desk/store.py custody_events)."""
        return self.store.custody_events(self.resolve(ref) if ref else None, damaged)

    # --- triage ----------------------------------------------------------------------------

    def set_status(self, ref: str, status: str, reviewer: str) -> None:
        self.store.set_status(self.resolve(ref), status, reviewer)

    def add_qualification(self, ref: str, code: str, confidence: str, reviewer: str) -> None:
        self.store.add_qualification(self.resolve(ref), code, confidence, reviewer)

    def remove_qualification(self, ref: str, code: str, reviewer: str) -> None:
        self.store.remove_qualification(self.resolve(ref), code, reviewer)

    def add_note(self, ref: str, text: str, author: str) -> None:
        if not text.strip():
            raise BadInput("a note needs some text")
        self.store.add_note(self.resolve(ref), text, author)

    def triage(
        self,
        ref: str,
        reviewer: str,
        *,
        status: str | None = None,
        add: Sequence[str] = (),
        withdraw: Sequence[str] = (),
        confidence: str = "medium",
        note: str = "",
    ) -> None:
        """Several triage changes as one decision (the web desk's triage form): every part is
        checked before any is made, so a refused form changes nothing and records nothing in
        custody. ``add`` are qualification codes to apply at ``confidence``; ``withdraw`` are
        codes applied now and to take back; an empty ``note`` adds none."""
        from tysha.evidence.taxonomy import qualification

        rid = self.resolve(ref)
        report = self.store.get_report(rid)
        if status is not None and status not in STATUSES:
            raise BadInput(f"status must be one of {', '.join(STATUSES)}")
        for code in add:
            if qualification(code) is None:
                raise BadInput(f"unknown legal qualification {code!r}")
        if add and confidence not in ("low", "medium", "high"):
            raise BadInput("confidence is low, medium or high")
        applied = {q.get("code") for q in report.data.get("qualifications", [])}
        for code in withdraw:
            if code not in applied:
                raise NotFound(f"report {rid} has no qualification {code!r}")
        if status is not None and status != report.data.get("status"):
            self.store.set_status(rid, status, reviewer)
        for code in add:
            self.store.add_qualification(rid, code, confidence, reviewer)
        for code in withdraw:
            self.store.remove_qualification(rid, code, reviewer)
        if note.strip():
            self.store.add_note(rid, note, reviewer)

    # --- attachments -----------------------------------------------------------------------

    def _stored_attachment(self, ref: str, n: int) -> dict[str, Any]:
        r = self.store.get_report(self.resolve(ref))
        atts = r.get("attachments", [])
        if not 0 <= n < len(atts):
            raise NotFound(f"report {r.id} has no attachment {n}")
        return dict(atts[n])

    def attachment(self, ref: str, n: int) -> AttachmentView:
        return self.report(ref).attachments[self._check_n(ref, n)]

    def _check_n(self, ref: str, n: int) -> int:
        self._stored_attachment(ref, n)
        return n

    def attachment_chunks(self, ref: str, n: int) -> Iterator[bytes]:
        """The attachment's bytes, decrypted chunk by chunk (the caller records custody)."""
        a = self._stored_attachment(ref, n)
        return self.store.read_blob(a["blob"], int(a["size"]))

    def attachment_head(self, ref: str, n: int, size: int = 512) -> bytes:
        out = b""
        for piece in self.attachment_chunks(ref, n):
            out += piece
            if len(out) >= size:
                break
        return out[:size]

    def record_export(self, ref: str, n: int, how: str) -> None:
        """Custody for an attachment that left the desk (call after it did)."""
        self.store.custody("exported", self.resolve(ref), {"attachment": n, "as": how})

    # --- intake ----------------------------------------------------------------------------

    def watch_drop(self, url: str, vkey: str) -> None:
        from tysha.tlog import NoteVerifier

        if not url.startswith(("http://", "https://")):
            raise BadInput("the drop address must start with http:// or https://")
        if not is_http_url(url):
            raise BadInput("the drop address is not a valid URL")
        try:
            NoteVerifier.from_vkey(vkey)
        except ProtocolError:
            raise BadInput("that is not a drop's verifier key") from None
        _refuse_another_key(self.store, url, vkey)
        self.store.add_drop(url, vkey)

    def quarantined(self) -> list[dict[str, Any]]:
        """Envelopes that could not be opened or verified: drop, index, digest, why, when."""
        return [q.to_json() for q in self.store.quarantined()]

    def drops(self, damaged: list[str] | None = None) -> list[dict[str, Any]]:
        """The drops known; with ``damaged``, a drop whose record does not open is left out
        and named there (the SHA-256 of its address), not an error (the faces say so)."""
        return [
            {k: getattr(d, k) for k in ("url", "vkey", "cursor", "cp_size", "forked")}
            | {"addresses": list(d.addresses)}
            | {"withheld": {str(i): why for i, why in withheld(self.store, d.url).items()}}
            for d in self.store.drops(damaged)
        ]

    def fetch(self, progress: Callable[[str, int, int], None] | None = None) -> FetchResult:
        """Fetch from every known drop, then send queued replies (their result is in
        ``FetchResult.replies``). A damaged custody head stops it first: nothing it stores,
        deletes or sends could be recorded."""
        self.store.check_custody_head()
        res = fetch_all(self.store, progress, client_factory=self.client_factory)
        res.replies = self.send_queued()
        # A reply's receipt from another history is a fork like one the fetch finds.
        res.forks += [f for f in res.replies.forks if f not in res.forks]
        self._anchor_if_due(res)
        return res

    def _anchor_if_due(self, res: FetchResult) -> None:
        """The custody head is anchored at intervals: when the desk setting ``anchor_every``
        (events) is set and the log grew that much since the last anchor (desk/anchor.py).
        What happened is told in ``res``: ``anchored`` (what was kept), or ``anchor_failed``
        (why not; tried again after the next fetch), or, when the drop showed a forked log on
        the way, among ``res.forks``. Nothing fetched is touched either way."""
        from tysha.desk.anchor import anchor_custody, anchor_due

        every = self.anchor_every()
        drops = self.store.drops()
        # a desk with no drop yet (before its first invitation) has nowhere to anchor: not a fault
        if not (every and drops and anchor_due(self.store, every)):
            return
        forked = {d.url for d in drops if d.forked}
        try:
            tsa_url, tsa_roots = self.anchor_tsa()
            res.anchored = anchor_custody(
                self.store,
                None,
                tsa_url,
                tsa_roots=[r.encode() for r in tsa_roots],
                client_factory=self.client_factory,
            )
        except TyshaError as exc:
            if {d.url for d in self.store.drops() if d.forked} - forked:
                res.forks.append(exc.message)  # a fork found by the anchor: said as one
            else:
                res.anchor_failed = exc.message

    def anchor_every(self) -> int:
        """The desk setting ``anchor_every``: after a fetch, the custody head is anchored once
        that many custody events are unanchored; 0 when off."""
        every = self.store.get_setting(ANCHOR_EVERY)
        return every if isinstance(every, int) and every > 0 else 0

    def anchor_tsa(self) -> tuple[str | None, list[str]]:
        """The time-stamping authority automatic anchors ask (desk settings ``tsa_url`` and
        ``tsa_roots``, set by ``desk anchor --every N --tsa URL [--tsa-root PEM]``): its URL,
        None when they are not time-stamped, and the root certificates (PEM) its answer must
        be signed under (none: not checked under a root)."""
        url = self.store.get_setting(ANCHOR_TSA_URL)
        roots = self.store.get_setting(ANCHOR_TSA_ROOTS)
        if not isinstance(url, str) or not url:
            return None, []
        ok = isinstance(roots, list) and all(isinstance(r, str) for r in roots)
        return url, list(roots) if ok else []

    def set_anchor_every(
        self, every: int, tsa_url: str | None = None, tsa_roots: Sequence[bytes] = ()
    ) -> None:
        """Set ``anchor_every`` (0 switches automatic anchoring off, and forgets its TSA);
        with ``tsa_url``, automatic anchors are time-stamped by it, the answer checked under
        ``tsa_roots`` (PEM) when given; without, the TSA kept stays. Recorded in custody."""
        from tysha.desk.anchor import check_tsa_address

        if not 0 <= every <= _MAX_ANCHOR_EVERY:
            raise BadInput("--every takes a number of custody events from 0 to 1000000")
        if tsa_roots and not tsa_url:
            raise BadInput("--tsa-root checks a time-stamping authority's answer: give --tsa too")
        if tsa_url is not None:
            if not every:
                raise BadInput("--every 0 switches automatic anchoring off: give --tsa with N")
            check_tsa_address(tsa_url)
            roots = [_tsa_root_text(pem) for pem in tsa_roots]
            url: str | None = tsa_url
        elif every:
            url, roots = self.anchor_tsa()
        else:
            url, roots = None, []
        if (every, url, roots) == (self.anchor_every(), *self.anchor_tsa()):
            return
        with self.store.transaction():
            self.store.set_setting(ANCHOR_EVERY, every)
            self.store.set_setting(ANCHOR_TSA_URL, url or "")
            self.store.set_setting(ANCHOR_TSA_ROOTS, roots)
            self.store.custody(
                "anchor-every-set", None, {"every": every, "tsa": url, "tsa_root": bool(roots)}
            )

    # --- replies (a sealed outbox: nothing typed is lost while the drop is down) ------------

    def reply(self, ref: str, text: str) -> ReplyOutcome:
        """Seal ``text`` to the report's source, keep it in the outbox, and try to send it.

        Unreachable drop: the reply stays queued (``sent=False``) and goes with the next
        ``send_queued`` or ``fetch``. Only a handler desk replies (an escrow desk's reply would
        be signed by a key its source never pinned, and ignored)."""
        from tysha.protocol import Manifest, PublicIdentity, frame_content, seal_envelope

        self._not_analyst("replies")
        if self.role == "escrow":
            raise NotAllowed(_ESCROW_NO_REPLY)
        text = text.strip()
        if not text:
            raise BadInput("a reply needs some text")
        if len(text.encode()) > _MAX_REPLY:
            raise BadInput("a reply is limited to 64 KiB of text")
        rid = self.resolve(ref)
        r = self.store.get_report(rid)
        if not r.get("source_key") or not r.get("drop"):
            raise NotAllowed("this report has no source key or drop to reply through")
        if self.store.drop(r["drop"]) is None:
            raise NotFound("this report's drop is unknown to the desk")
        if self.report(rid).has_flag("log-forked"):  # as the views flag it
            raise NotAllowed(_FORKED_NO_REPLY)
        if not r.get("source_id"):
            # Flagged "not enrolled here" (a reused or expired invitation, or none): the key
            # may be anyone's, an infiltrator's with a photographed code (threat model A9).
            raise NotAllowed(_UNENROLLED_NO_REPLY)
        held = self._why_held(r.get("source_id"))
        if held == "damaged":
            raise NotAllowed(
                "the desk's record of this source is damaged: whether its key is revoked cannot "
                "be read, so nothing is sent to it; restore the desk folder from your backup"
            )
        if held == "revoked":
            raise NotAllowed(
                "this source's key is revoked as compromised: a reply would be read by whoever "
                "holds it (restore the key first if it was not compromised)"
            )
        recipient = PublicIdentity.from_text(r["source_key"])
        written = now_iso()
        body = {"text": text, "in_reply_to": r["envelope_digest"], "created_at": written}
        manifest = Manifest("reply", self.store.public, body).signed(self.store.identity)
        env = seal_envelope(frame_content(manifest.to_bytes()), [recipient], os.urandom)
        qid = self.store.queue_reply(rid, text, written, r["drop"], env)
        sent, via = self._send_one(qid)
        if sent is None:
            q = self.store.queued_reply(qid)
            forked = self._fork_found(qid, rid)
            return ReplyOutcome(qid, False, None, q.last_error if q else "", forked=forked)
        return ReplyOutcome(qid, True, sent, via=via)

    def _fork_found(self, qid: str, rid: str) -> bool:
        """Whether the drop's last receipt for queued reply ``qid`` came from another history
        (its record says so, with the receipt's checkpoint: store.reply_forked)."""
        try:
            replies = self.store.get_report(rid).get("replies", [])
        except NotFound:
            return False
        return any(r.get("queued") == qid and r.get("log_consistent") is False for r in replies)

    def _hold_if_revoked(self, q: Any) -> str | None:
        """Why queued reply ``q`` is held, or None: its source's key was revoked after it was
        written, and whoever seized the key would read it ("revoked"; it goes once the handler
        restores the key), or the source's record is damaged ("damaged"). Kept queued with the
        reason."""
        try:
            source_id = self.store.get_report(q.report).get("source_id")
        except NotFound:
            source_id = None
        why = self._why_held(source_id)
        if why is not None:
            self.store.reply_failed(q.id, _DAMAGED_HELD if why == "damaged" else _REVOKED_HELD)
        return why

    def _why_held(self, source_id: object) -> str | None:
        """"revoked" if the source key a reply would be sealed to is revoked now, "damaged" if
        the source's row cannot be read (its revocation cannot be checked: held too; the report
        views flag it 'source-unreadable'), else None."""
        if not isinstance(source_id, str) or not source_id:
            return None
        try:
            return "revoked" if self.store.get_source(source_id).revoked else None
        except Exception:  # noqa: BLE001 - unreadable: not trusted with a reply
            return "damaged"

    def outbox(self) -> list[QueuedReply]:
        return [
            QueuedReply(q.id, q.report, q.text, q.written_at, q.attempts, q.last_error)
            for q in self.store.outbox()
        ]

    def send_queued(self) -> SendResult:
        self.store.check_custody_head()  # a reply sent must be recorded as sent
        res = SendResult()
        for q in self.store.outbox():
            why = self._hold_if_revoked(q)
            if why is not None:
                res.held += 1
                res.held_damaged += why == "damaged"
                continue
            forked_before = self._fork_found(q.id, q.report)
            index, via = self._send_one(q.id)
            if via and via not in res.via:
                res.via.append(via)
            if index is None:
                res.left += 1
                again = self.store.queued_reply(q.id)
                if again and again.last_error:
                    res.errors.append(again.last_error)
                if again and not forked_before and self._fork_found(q.id, q.report):
                    res.forks.append(again.last_error)  # found now, by this reply's receipt
            else:
                res.sent.append(q.report)
        return res

    def _send_one(self, qid: str) -> tuple[int | None, str]:
        """Upload one queued reply: its log index, or None (kept queued, error recorded), and
        the address that took it when the drop has several (tried in order, each over its own
        client; only an unreachable address moves on to the next)."""
        q = self.store.queued_reply(qid)
        if q is None or self._hold_if_revoked(q):
            return None, ""
        drop = self.store.drop(q.drop)
        if drop is None:
            self.store.reply_failed(qid, "the report's drop is unknown to the desk")
            return None, ""
        if drop.forked:
            self.store.reply_failed(qid, _FORKED_HELD)
            return None, ""
        env = q.envelope
        digest = hashlib.sha256(env).digest()
        receipt, cp, fork = None, None, ""
        for address in drop.addresses:
            try:
                with self.client_factory(address) as client:
                    receipt = client.upload(env)
                    cp = receipt.verify(drop.vkey, digest)
                    # The receipt's log must be the one this desk verified: a drop that logs
                    # the handler's replies in a history only the handler is shown (a split
                    # view) keeps them from every source.
                    try:
                        check_receipt_log(
                            self.store, client, drop, cp, {"reply_digest": digest.hex()}
                        )
                    except VerificationError as exc:  # recorded there: the drop is forked
                        fork = exc.message
            except UnprovenConsistency:
                self.store.reply_failed(qid, _UNPROVEN_RECEIPT)
                return None, ""
            except DropRefused as exc:
                if receipt is not None:
                    # The drop took the reply; it failed (5xx) when asked to prove its
                    # receipt's log: not a refusal, and the reply goes again (the same entry).
                    self.store.reply_failed(qid, _RECEIPT_UNCHECKED.format(status=exc.status))
                else:
                    self.store.reply_failed(qid, f"the drop refused the reply ({exc.status})")
                return None, ""
            except TransportError:
                receipt = None
                continue
            except (VerificationError, ProtocolError) as exc:
                status = getattr(exc, "status", None)  # the older client's refusals
                if status is not None:
                    self.store.reply_failed(qid, f"the drop refused the reply ({status})")
                    return None, ""
                # The drop took it but its receipt does not verify: keep it queued, say so.
                self.store.reply_failed(qid, f"the drop's receipt does not verify: {exc.message}")
                return None, ""
            break
        if receipt is None:
            self.store.reply_failed(qid, "the drop is unreachable; the reply stays queued")
            return None, ""
        seen = {"size": cp.size, "root": cp.root_hash.hex(), "origin": cp.origin} if cp else None
        if fork and seen is not None:
            self.store.reply_forked(qid, seen, fork)
            return None, ""
        index = receipt.to_json().get("index")
        self.store.reply_sent(qid, index, seen)
        return (index if isinstance(index, int) else -1), (address if drop.mirrors else "")

    # --- invitations -----------------------------------------------------------------------

    def invite(
        self, drop: str | Sequence[str], drop_key: str, valid_days: int = INVITATION_DAYS
    ) -> Invitation:
        """A one-time invitation; a first report under it enrols its key for ``valid_days``
        (the desk's record, :meth:`invitation_of`, says until when)."""
        self._not_analyst("invitations")
        return make_invitation(self.store, drop, drop_key, valid_days)

    def invitation_of(self, inv: Invitation) -> dict[str, Any]:
        """The desk's record of an invitation it made (its id, expiry, state)."""
        self._not_analyst("invitations")
        rec = self.store.invitation_for_secret(inv.secret)
        if rec is None:
            raise NotFound("this invitation was not made at this desk")
        return _with_state(rec)

    def cancel_invitation(self, iid: str) -> dict[str, Any]:
        """Close an unused invitation (NotAllowed once it enrolled a source, or if cancelled)."""
        self._not_analyst("invitations")
        return _with_state(self.store.cancel_invitation(iid.strip()))

    def invitations(self, damaged: list[str] | None = None) -> list[dict[str, Any]]:
        """With ``damaged``, invitations whose record does not open are named there, not an
        error (the faces say so)."""
        self._not_analyst("invitations")
        now = now_iso()
        return [_with_state(i, now) for i in self.store.list_invitations(damaged)]

    # --- sources ---------------------------------------------------------------------------

    def _not_analyst(self, what: str) -> None:
        # The compartment of issue 12: an analyst sees evidence, never who reported it.
        if self.role == "analyst":
            raise NotAllowed(f"an analyst desk has no {what}")

    def sources(self, damaged: list[str] | None = None) -> list[Source]:
        """With ``damaged``, sources whose record does not open are named there, not an
        error (the faces say so)."""
        self._not_analyst("sources")
        return self.store.list_sources(damaged)

    def source(self, ref: str) -> Source:
        self._not_analyst("sources")
        return self.store.find_source(ref)

    def revoke(self, ref: str, reason: str = "") -> Source:
        self._not_analyst("sources")
        return self.store.revoke(ref, reason.strip())

    def restore(self, ref: str, reason: str = "") -> Source:
        self._not_analyst("sources")
        return self.store.restore(ref, reason.strip())

    def set_real_name(self, ref: str, name: str) -> None:
        self._not_analyst("sources")
        self.store.set_real_name(self.store.find_source(ref).id, name.strip())

    # --- analyst shares (issue 12; desk/share.py) ------------------------------------------

    def share_plan(
        self, analyst_key: str, refs: list[str], incident: str | None = None,
        text_approved: bool = False,
    ) -> Any:
        """The de-identified shares of ``refs`` (or of an incident's reports), for a preview."""
        from tysha.desk import share

        self._not_analyst("shares")
        ids = list(self.store.get_incident(incident).reports) if incident else []
        ids += [i for i in self._resolve_many(refs) if i not in ids]
        return share.plan_share(self.store, analyst_key, ids, text_approved)

    def share(self, plan: Any, drop: str | None = None) -> Any:
        """Seal and send a plan from :meth:`share_plan` through a drop (ShareResult)."""
        from tysha.desk import share

        self._not_analyst("shares")
        return share.send_share(self.store, plan, drop, self.client_factory)

    def set_cell(self, source: str, cell: str) -> None:
        """On an escrow desk: record which cell (handler desk) a source reports through, as the
        organisation knows it (the handler that enrolled it says so out of band). Reports now
        name their handler desk themselves (signed ``to``); this names the cell of sources whose
        reports predate that. Kept sealed with the settings, recorded in custody by the
        source's id only. NotAllowed unless this is an escrow desk."""
        if self.role != "escrow":
            raise NotAllowed("only an escrow desk counts cells")
        cell = " ".join(str(cell or "").split())[:100]
        if not cell:
            raise BadInput("name the cell")
        src = self.store.find_source(source)
        cells = dict(self.store.get_setting("cells") or {})
        cells[src.id] = cell
        with self.store.transaction():  # with its custody event, or not at all
            self.store.set_setting("cells", cells)
            self.store.custody("cell-assigned", None, {"source": src.id, "cell": cell})

    def cells(self) -> dict[str, str]:
        """On an escrow desk: source id -> the cell recorded for it (empty elsewhere)."""
        if self.role != "escrow":
            return {}
        return {str(k): str(v) for k, v in (self.store.get_setting("cells") or {}).items()}

    def incident_cells(self, iid: str) -> int | None:
        """On an escrow desk: in how many cells the incident's reports were made. A report's
        cell is the handler desk its source signed it for (the manifest's ``to``: a handler's
        fingerprint); a report from before that field falls back to the cell recorded for its
        source (:meth:`set_cell`), else adds none; a flagged report adds none (like
        ``independent_sources``, cells count only trusted corroboration). ``to`` is the
        sender's own word and this desk enrols no one, so the faces say "as the sources say or
        as recorded here", never that the cells were checked. None elsewhere: a handler desk
        sees one cell, its own."""
        from tysha.desk.cases import report_flags

        if self.role != "escrow":
            return None
        cells = self.store.get_setting("cells") or {}
        seen = set()
        reports = self.store.get_incident(iid).reports
        flagged = report_flags(self.store, reports)
        for rid in reports:
            if rid in flagged:
                continue
            data = self.store.get_report(rid).data
            to, sid = data.get("to"), data.get("source_id")
            if isinstance(to, str) and to:
                seen.add("handler " + to)
            elif isinstance(sid, str) and sid in cells:
                seen.add(cells[sid])
        return len(seen)

    def share_choices(self) -> dict[str, Any]:
        """What a share can be made of here (the web preview's form): the incidents and the
        drops to send through. NotAllowed unless this is a handler desk (an analyst or escrow
        desk shares nothing: the compartment of issue 12)."""
        if self.role != "handler":
            raise NotAllowed("only a handler desk shares reports with an analyst")
        damaged: list[str] = []  # one damaged drop record never hides the others
        drops = [d["url"] for d in self.drops(damaged)]
        return {"incidents": self.incidents(), "drops": drops, "damaged_drops": damaged}

    def pin_handler(self, key: str) -> str:
        """Pin a handler desk's key (exchanged out of band) at this analyst desk; its
        fingerprint. Shares from an unpinned handler are kept but flagged untrusted until it is
        pinned (desk/views.py reads the pins now, for earlier shares too)."""
        from tysha.protocol import PublicIdentity

        if self.role != "analyst":
            raise NotAllowed("only an analyst desk pins handler desks")
        try:
            pub = PublicIdentity.from_text(key.strip())
        except (ProtocolError, ValueError, AttributeError):
            raise BadInput("that is not a desk's public key") from None
        pinned = list(self.store.get_setting("pinned_handlers") or [])
        if pub.to_text() not in pinned:
            pinned.append(pub.to_text())
            # One commit: a pin that failed is not in force, and one in force is in custody.
            with self.store.transaction():
                self.store.set_setting("pinned_handlers", pinned)
                self.store.custody("handler-pinned", None, {"fingerprint": pub.fingerprint()})
        return pub.fingerprint()

    # --- one-time codes (RFC 6238) ---------------------------------------------------------

    def totp_enabled(self) -> bool:
        return bool(self.store.get_setting("totp"))

    def enable_totp(self) -> str:
        """A fresh secret; returns the otpauth:// URI to show once."""
        from urllib.parse import quote

        secret = os.urandom(20)
        # One commit: never a code required whose secret the handler was not shown.
        with self.store.transaction():
            self.store.set_setting("totp", secret.hex())
            self.store.set_setting("totp_last_step", -1)
            self.store.custody("totp-enabled", None, {})
        b32 = base64.b32encode(secret).decode().rstrip("=")
        return f"otpauth://totp/Tysha:{quote(self.name)}?secret={b32}&issuer=Tysha"

    def disable_totp(self) -> None:
        with self.store.transaction():
            self.store.set_setting("totp", None)
            self.store.custody("totp-disabled", None, {})

    def check_totp(self, code: str, now: float | None = None) -> bool:
        """True if ``code`` is valid now (±1 step for clock drift) and its time step is later
        than the last one accepted: a code that worked once never works again (issue 9.7)."""
        secret = self.store.get_setting("totp")
        if not secret:
            return True
        code = (code or "").strip()
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            return False  # (other scripts' digits pass isdigit: "٣" is one)
        step = int((time.time() if now is None else now) // TOTP_STEP)
        key = bytes.fromhex(secret)
        for s in (step - 1, step, step + 1):
            if hmac.compare_digest(_totp(key, s), code):
                # Accepted only if no code of this step or a later one was accepted before.
                return self.store.advance_counter("totp_last_step", s)
        return False

    # --- bundles ---------------------------------------------------------------------------

    def anchor(
        self, drop: str | None = None, tsa_url: str | None = None, tsa_roots: Sequence[bytes] = ()
    ) -> dict[str, Any]:
        """Anchor the custody head in a drop's log (desk/anchor.py); with ``tsa_roots`` (PEM)
        the TSA's answer must be signed under one of them before anything is kept."""
        from tysha.desk.anchor import anchor_custody

        return anchor_custody(
            self.store, drop, tsa_url, tsa_roots=tsa_roots, client_factory=self.client_factory
        )

    def export_uwazi(self, out_dir: Path, ids: list[str] | None = None) -> int:
        """Uwazi CSVs of the given reports (all when None): ``entities.csv`` and
        ``thesauri/<name>.csv`` (evidence/uwazi.py), each file 0600, recorded in custody."""
        from tysha.desk.bundle import export_uwazi

        resolved = [self.resolve(i) for i in ids] if ids else None
        return export_uwazi(self.store, Path(out_dir), resolved)

    def export(
        self, out: Path, ids: list[str] | None = None, warn: Callable[[str], None] | None = None
    ) -> int:
        from tysha.desk.bundle import export_bundle

        resolved = [self.resolve(i) for i in ids] if ids else None
        try:
            return export_bundle(self.store, Path(out), resolved, warn)
        except TyshaError:
            raise
        except OSError:
            raise StorageError(f"cannot write the bundle to {Path(out).name}") from None

    # --- provenance (issue 14; logic in desk/provenance.py) -------------------------------

    def import_proofmode(
        self, ref: str, source: Path | IO[bytes], name: str = "", signer: str | None = None
    ) -> list[Any]:
        """Attach a ProofMode bundle (zip) to a report: each proof checked (OpenPGP
        signatures, hashes against the report's attachments) and kept, whatever its state, as
        a ProvenanceRecord with a custody event ``provenance-imported``; ``signer``: the
        fingerprint of the ProofMode key expected (another is ``untrusted-signer``). BadInput /
        ProtocolError (and nothing changed) when it is no ProofMode bundle about this report."""
        from tysha.desk.provenance import import_proofmode

        if isinstance(source, str | Path):
            source = Path(source)
        pin = None
        if signer is not None:
            pin = signer.replace(" ", "").upper()
            if len(pin) not in (40, 64) or any(c not in "0123456789ABCDEF" for c in pin):
                raise BadInput("--signer is an OpenPGP fingerprint (40 or 64 hex digits)")
        return import_proofmode(
            self.store, self.resolve(ref), source, name, pinned_fingerprint=pin
        )

    def set_c2pa_trust(self, pem: bytes) -> int:
        """The desk's C2PA trust anchors (PEM certificates); returns how many."""
        from tysha.desk.provenance import set_trust_anchors

        return set_trust_anchors(self.store, pem)

    # --- incidents and corroboration (issue 12; logic in desk/cases.py, desk/corroborate.py) --

    def incidents(self) -> list[dict[str, Any]]:
        from tysha.desk import cases

        return [cases.incident_summary(self.store, i) for i in self.store.incidents()]

    def incident(self, iid: str) -> Incident:
        return self.store.get_incident(iid)

    def incident_summary(self, iid: str) -> dict[str, Any]:
        from tysha.desk import cases

        return cases.incident_summary(self.store, self.store.get_incident(iid))

    def create_incident(self, title: str, refs: list[str], reviewer: str) -> str:
        from tysha.desk import cases

        return cases.create_incident(self.store, title, self._resolve_many(refs), reviewer)

    def attach_reports(self, iid: str, refs: list[str], reviewer: str) -> None:
        from tysha.desk import cases

        cases.attach_reports(self.store, iid, self._resolve_many(refs), reviewer)

    def incident_reports(self, iid: str, limit: int | None = None) -> list[ReportView]:
        """The views of an incident's reports (the first ``limit``), reading the desk state
        once."""
        inc = self.store.get_incident(iid)
        ids = inc.reports[:limit] if limit is not None else inc.reports
        return report_views(self.store, [self.store.get_report(r) for r in ids])

    def _resolve_many(self, refs: list[str]) -> list[str]:
        """Like :meth:`resolve` for many refs, reading the id list once (10^4 reports)."""
        ids = self.store.report_ids()
        known = set(ids)
        out = []
        for ref in refs:
            ref = (ref or "").strip().lower()
            if ref in known:
                out.append(ref)
                continue
            hits = [i for i in ids if i.startswith(ref)] if ref else []
            if len(hits) != 1:
                out.append(self.resolve(ref))  # raises the precise error
            else:
                out.append(hits[0])
        return out

    def act_flags(self, incidents: Sequence[Incident]) -> dict[tuple[str, str], list[Any]]:
        """(incident id, act id) -> the flags of the act's flagged supporting reports."""
        from tysha.desk import cases

        return cases.act_flags(self.store, incidents)

    def add_act(
        self, iid: str, fields: dict[str, Any], reviewer: str, act_id: str | None = None
    ) -> str:
        from tysha.desk import cases

        return cases.add_act(self.store, iid, fields, reviewer, act_id)

    def qualify_act(self, iid: str, act_id: str, code: str, confidence: str, reviewer: str) -> None:
        from tysha.desk import cases

        cases.qualify_act(self.store, iid, act_id, code, confidence, reviewer)

    def release_protected(
        self, iid: str, reviewer: str, recipient: str, reason: str
    ) -> dict[str, Any]:
        from tysha.desk import cases

        return cases.release_protected(self.store, iid, reviewer, recipient, reason)

    def places(self) -> list[dict[str, Any]]:
        from tysha.desk import cases

        return cases.places(self.store)

    def update_media_index(self, progress: Callable[[str, int, int], None] | None = None) -> int:
        """Hash new photos in a process pool (CLI only: never on a web request)."""
        from tysha.desk import corroborate

        return corroborate.update_index(self.store, progress)

    def corroborate(self) -> dict[str, Any]:
        from tysha.desk import corroborate

        return corroborate.suggestions(self.store)
