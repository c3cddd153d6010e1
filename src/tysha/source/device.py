"""The source library: enrol, capture and seal reports, send them late, read replies.

A front end (this CLI, later a phone app) drives a :class:`SourceDevice`; everything the source
has lives in one :class:`~tysha.source.vault.Vault` compartment. Time and randomness come from
the caller (``clock``, ``rand``) so tests can fix them.
"""

from __future__ import annotations

import hashlib
import math
import mimetypes
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tysha.errors import (
    BadInput,
    ConfigError,
    DropRefused,
    NotAllowed,
    ProtocolError,
    TransportError,
    TyshaError,
    VerificationError,
)
from tysha.protocol import (
    Attachment,
    CaptureAttestation,
    EnvelopeSealer,
    Identity,
    Invitation,
    Manifest,
    Receipt,
    Scanner,
    frame_content,
    open_envelope,
    parse_header,
)
from tysha.protocol.capture import gps_from_exif
from tysha.protocol.listing import DELETED, EXPIRED, EXPIRY_SLACK_HOURS, hour_text
from tysha.protocol.sealed_report import read_report
from tysha.source.vault import Compartment, Vault, refuse_newer
from tysha.tlog import Checkpoint, NoteVerifier, open_checkpoint, parse_note, verify_consistency
from tysha.tlog.merkle import verify_consistency_between
from tysha.tlog.witness import WitnessPolicy, check_witnesses, pinned_policy

__all__ = [
    "CATEGORIES",
    "WHEN_FORMS",
    "SendResult",
    "SourceDevice",
    "capture_claims",
    "coarse_wait",
    "parse_when",
]

CATEGORIES = (
    "dep",
    "chd",
    "mob",
    "det",
    "tor",
    "fil",
    "sxv",
    "kil",
    "atk",
    "pil",
    "shd",
    "per",
    "other",
)
DEFAULT_MEAN_DELAY = 6 * 3600.0
# Signed invitations (wt-core) read an unsigned, already pinned one only when told to.
#: Clue records asked for per page, and pages read per run at most (10 million entries): a
#: drop that lies about its cursor can't keep the source busy for longer than that.
CLUE_PAGE = 1000
MAX_CLUE_PAGES = 10_000
#: Checkpoints the vault keeps of those it trusted (what a courier's proof may start from).
TRUSTED_KEPT = 64
#: How long a sent report's receipt and digest are kept when the drop never announced its
#: retention (the drop's default): :meth:`SourceDevice.forget_old_sends`.
DEFAULT_RETENTION_HOURS = 90 * 24

WHEN_FORMS = (
    "2026-03-01 (a day), 2026-03-01T10:20 or 2026-03-01 10:20[:30] (local time where it "
    "happened, no zone), or with a zone: 2026-03-01T10:20Z, 2026-03-01T10:20+03:00"
)
_WHEN = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?)?"
)


def parse_when(text: str, now: float) -> str:
    """Check an event time given as ISO 8601 and return it in one canonical form.

    Accepted: a date (``2026-03-01``); a date and time to the minute or second, ``T`` or a
    space between (``2026-03-01T10:20``, ``2026-03-01 10:20:30``) meaning the local time where
    it happened (no zone: the device's zone may be set to anything under occupation, so it is
    not guessed); the same with ``Z`` or ``±HH:MM``. Words (``yesterday``), other orders and
    impossible dates are refused with ``BadInput``, as is a time more than a day ahead of the
    device's clock (a day covers every time zone).
    """
    t = text.strip()
    m = _WHEN.fullmatch(t)
    if m is None:
        raise BadInput(
            f"cannot read the time {text!r}; accepted forms: {WHEN_FORMS}",
            hint="give the date of the event; leave --when out if you don't know it",
        )
    y, mo, d, hh, mm, ss, zone = m.groups()
    try:
        day = date(int(y), int(mo), int(d))
        if hh is not None:
            stamp = datetime(day.year, day.month, day.day, int(hh), int(mm), int(ss or 0))
            if zone and zone != "Z":
                sign = 1 if zone[0] == "+" else -1
                zh, zm = int(zone[1:3]), int(zone[4:6])
                if zh > 14 or zm > 59:
                    raise ValueError("zone")
                offset = timedelta(hours=zh, minutes=zm) * sign
                utc = stamp - offset
            else:
                utc = stamp
        else:
            utc = datetime(day.year, day.month, day.day)
    except ValueError:
        raise BadInput(
            f"{text!r} is not a real date or time; accepted forms: {WHEN_FORMS}"
        ) from None
    if utc.replace(tzinfo=UTC).timestamp() > now + 86400:
        clock = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M UTC")
        raise BadInput(
            f"{text!r} is in the future (by the device's clock)",
            hint=f"this device's clock says {clock}; if that is wrong, set its date and time "
            "right (photos you attach carry it too), or leave --when out",
        )
    if hh is None:
        return day.isoformat()
    out = f"{day.isoformat()}T{hh}:{mm}" + (f":{ss}" if ss is not None else "")
    return out + (zone or "")


def coarse_wait(seconds: float) -> str:
    """A wait, said coarsely (whole hours or days): precise enough to plan, too coarse to
    tell anything about when a report was written."""
    if seconds <= 0:
        return "now"
    hours = math.ceil(seconds / 3600)
    if hours <= 1:
        return "within the hour"
    if hours < 48:
        return f"in about {hours} hours"
    return f"in about {math.ceil(hours / 24)} days"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _signed_time(value: object) -> str | None:
    """A time a reply's signer put in it (ISO 8601 with its zone), as :func:`_iso` writes
    times; None when there is none or it is not one."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
        if when.tzinfo is None:
            return None
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError):
        return None


def capture_claims(path: Path, data: bytes, clock: Callable[[], float]) -> dict[str, Any]:
    """What the device can say about a file at capture: hash, size, type, times, position."""
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    claims: dict[str, Any] = {
        "sha256": hashlib.sha256(data).digest(),
        "size": len(data),
        "media_type": media_type,
        "name": path.name,
        "device_time": _iso(clock()),
    }
    claims.update(_exif_claims(path))
    return claims


def _exif_claims(path: Path) -> dict[str, Any]:
    """EXIF DateTimeOriginal and GPS position (micro-degrees), read defensively: each claim on
    its own, so one broken value (a NaN rational, an odd type) drops that claim and keeps the
    other (issue 9.14)."""
    out: dict[str, Any] = {}
    try:
        import warnings

        from PIL import Image

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                exif = im.getexif()
    except Exception:  # not an image, or unreadable EXIF: no claims, never a failure
        return out
    try:
        dto = exif.get_ifd(0x8769).get(36867) or exif.get(306)
        if isinstance(dto, str) and dto.strip():
            out["exif_time"] = dto.strip()
    except Exception:  # a hostile EXIF block: no time claim
        pass
    try:
        gps = exif.get_ifd(0x8825)
        if gps and 2 in gps and 4 in gps:
            pos = gps_from_exif(gps[2], gps.get(1), gps[4], gps.get(3))
            if pos is not None:
                out["exif_gps"] = pos
    except Exception:  # a hostile GPS block: no position claim
        pass
    return out


def _enrol_tag(secret: bytes) -> bytes:
    """What the vault keeps to know which invitation's secret a report carried (the
    invitation itself is in the vault: this tells an unlocker nothing more)."""
    return hashlib.sha256(b"tysha/v1 enrol-tag\x00" + secret).digest()[:8]


def _proofs_of(client: Any) -> Callable[[int, int], list[bytes]]:
    """The drop's consistency proof between two sizes of its log, asked of ``client`` (none
    between a size and itself): what a witnessed checkpoint is checked against ``cp`` with."""
    return lambda old, new: client.consistency_proof(old, new) if old < new else []


def _policy_names(policy: dict[str, Any]) -> tuple[int, list[str]]:
    """A pinned witness policy as a person reads it: how many of which witnesses (names)."""
    try:
        k = int(policy["k"])
        return k, [w.name for w in WitnessPolicy.from_vkeys(
            [str(v) for v in policy["witnesses"]], k).witnesses]
    except (TyshaError, KeyError, TypeError, ValueError):
        return 0, []


@dataclass
class SendResult:
    sent: int
    waiting: int
    receipts: list[Receipt]


class SourceDevice:
    """One unlocked vault compartment."""

    def __init__(
        self,
        vault: Vault,
        comp: Compartment,
        clock: Callable[[], float] = time.time,
        rand: Callable[[int], bytes] = os.urandom,
    ) -> None:
        refuse_newer(comp)
        self.vault = vault
        self.comp = comp
        self.clock = clock
        self.rand = rand
        #: Set by :meth:`fetch_replies` when the drop's listing was caught lying.
        self.listing_problem: str | None = None
        #: Set by :meth:`fetch_replies`: log index -> what the drop did to withhold it.
        self.withheld: dict[int, str] = {}
        #: Set by :meth:`fetch_replies` with a witness policy: which cosignatures were checked.
        self.witnessed: str | None = None
        #: Set by :meth:`enroll`: "new" (a first invitation), "same" (the pinned handler's
        #: again), "moved" (the pinned handler's, at another drop's log), "switched"
        #: (another handler's, confirmed) or "back" (switched to a handler this vault
        #: reported to before, its key and waiting reports restored).
        self.enrolment: str | None = None
        #: Set by :meth:`enroll` on a switch: the reports that waited for the former handler
        #: and left the outbox unsent (kept aside in the vault for that handler), as
        #: :meth:`outbox` showed them.
        self.not_sent: list[dict[str, Any]] = []
        #: Set by :meth:`enroll` on a switch back to a handler this vault reported to before:
        #: the reports kept aside for it, back in the outbox.
        self.restored: list[dict[str, Any]] = []
        #: Set by :meth:`enroll` when the drop's log changed: the witness policy pinned for the
        #: old log, removed (how many of which witnesses), unless one was given again.
        self.witnesses_removed: tuple[int, list[str]] | None = None
        self._policy_given = False  # set_witness_policy was called before this enroll
        #: How many digests of sent reports (and of replies naming them) were forgotten on
        #: opening, past the drop's retention (:meth:`forget_old_sends`): saved when any.
        self.forgotten = self.forget_old_sends()

    @classmethod
    def open(cls, path: Path, passphrase: str, **kw: Any) -> SourceDevice:
        """Unlock ``path`` and hold it (:meth:`Vault.hold`) until ``vault.release()`` or the end
        of this process: no other command reads or saves it meanwhile."""
        vault = Vault(path)
        vault.hold()
        try:
            return cls(vault, vault.unlock(passphrase), **kw)
        except BaseException:
            vault.release()
            raise

    @property
    def state(self) -> dict[str, Any]:
        return self.comp.state

    def save(self) -> None:
        self.vault.save(self.comp)

    def forget_old_sends(self) -> int:
        """Forget the receipt and the digest of each report sent longer ago than the drop
        keeps envelopes; return how many digests were forgotten, of sent reports and of the
        replies that name them (the caller saves the vault when any).

        Under a forced unlock (THREAT_MODEL A12) a receipt (the envelope's digest, its index
        in the drop's log, a checkpoint) and the sent list's digest tie the reporter to
        entries of a log others can read. They are needed only while the drop may still hold
        the envelope: fork detection uses the vault's checkpoint, never old receipts; nothing
        sent can be fetched again once the drop deleted it, after its retention (the one it
        announced first and the vault pinned, else ``DEFAULT_RETENTION_HOURS``, 90 days).
        So once that long has passed since the report was sent (the hour it was sent; for a
        report sent before that hour was kept, the hour it was written, which is earlier):

        * its entry leaves the sent list and its receipt the receipts;
        * a reply kept that answers it keeps, instead of its digest, the words ``outbox``
          showed of it (its local id and the hour it was written), so it still says which
          report it answers;
        * a reply kept that names a digest of no report in the sent list or the outbox (a
          report forgotten before that reply came, or none of this vault's) forgets that
          digest: it named no report it could be shown with anyway. (One in the outbox is a
          report a courier delivered whose receipts are not imported yet.)

        The cost: a reply the handler writes after that (later than the drop's retention
        after the send) cannot be told which report it answers, and says it names none. A
        phone clock set far ahead forgets early; what is lost is only that naming."""
        sent = self.state.get("sent")
        replies = self.state.get("replies")
        if not isinstance(sent, list):
            return 0
        pinned = self.state.get("drop_retention_hours")
        keep = pinned if isinstance(pinned, int) and pinned > 0 else DEFAULT_RETENTION_HOURS
        now_hour = int(self.clock()) // 3600
        old: list[dict[str, Any]] = []
        kept: list[Any] = []
        for s in sent:
            hour = s.get("sent_hour") if isinstance(s, dict) else None
            if not isinstance(hour, int) and isinstance(s, dict):
                created = s.get("created")
                hour = int(created) // 3600 if isinstance(created, (int, float)) else None
            (old if isinstance(hour, int) and now_hour - hour >= keep else kept).append(s)
        kept_digests = {
            bytes(s["digest"])
            for s in kept
            if isinstance(s, dict) and isinstance(s.get("digest"), bytes)
        }
        words = {
            bytes(s["digest"]): {"id": s.get("id"), "created": s.get("created")}
            for s in old
            if isinstance(s.get("digest"), bytes)
        }
        waiting = {
            hashlib.sha256(bytes(i["env"])).digest()
            for i in self.state.get("outbox", [])
            if isinstance(i, dict) and isinstance(i.get("env"), bytes)
        }
        changed = 0
        for r in replies if isinstance(replies, list) else []:
            ref = r.get("in_reply_to") if isinstance(r, dict) else None
            if not isinstance(ref, bytes):
                continue
            if ref in words:
                r["in_reply_to"] = dict(words[ref])
                changed += 1
            elif ref not in kept_digests and ref not in waiting:
                r["in_reply_to"] = None
                changed += 1
        receipts = self.state.get("receipts")
        if isinstance(receipts, list) and (old or changed):
            still = []
            for raw in receipts:
                try:
                    digest = Receipt.from_bytes(bytes(raw)).envelope_digest
                except (TyshaError, ValueError, TypeError):
                    continue  # unreadable: of no use to anyone but a searcher
                if digest in kept_digests:
                    still.append(raw)
            self.state["receipts"] = still
        if old:
            self.state["sent"] = kept
        return len(old) + changed

    # --- enrolment -------------------------------------------------------------------------

    def identity(self) -> Identity:
        raw = self.state.get("identity")
        if not isinstance(raw, bytes):
            raise ConfigError("this vault is not enrolled; run `tysha source enroll` first")
        return Identity.from_bytes(raw)

    def invitation(self) -> Invitation:
        raw = self.state.get("invitation")
        if not isinstance(raw, bytes):
            raise ConfigError("this vault is not enrolled; run `tysha source enroll` first")
        # Pinned at enrolment (checked then): an unsigned invitation of the first format,
        # enrolled before invitations were signed, stays usable.
        return Invitation.from_bytes(raw, legacy_ok=True)

    def enroll(self, code: str | bytes, new_handler: bool = False) -> Invitation:
        """Pin an invitation given as its text code or as the bytes of its QR code.

        A damaged code is refused (``BadInput``) and nothing changes: a typo would pin a wrong
        key, and every report sealed to it would be lost.

        In a vault already enrolled, the same handler's invitation (the same handler key) is
        pinned in place of the old one (``enrolment`` = "same"); on the same drop's log (the
        same log key) what the vault saw of that log is kept (its last checkpoint, against
        which a forked history is caught, and the reply cursor); on another drop's log
        (``enrolment`` = "moved") the waiting reports go to the new drop, which that handler
        reads, the replies kept are marked as the old log's, and a witness policy pinned for
        the old log is removed (``witnesses_removed``) unless :meth:`set_witness_policy` gave
        one just before. Another handler's (a code someone else gave, or planted) is refused
        with ``NotAllowed`` and nothing changes, unless ``new_handler``: then the vault
        switches (``enrolment`` = "switched"). It gets
        a new key for the new handler (the former one cannot link the two), its replies kept
        so far stay marked as the former handler's, and the reports still waiting for the
        former handler leave the outbox unsent (sealed to that handler's keys, they would go
        to a drop it may not read, and the new one could not open them): ``not_sent`` lists
        them. They are never sent to the new handler's drop: they are kept aside in the vault
        with the former key, and a switch back to that handler (its invitation enrolled again,
        ``enrolment`` = "back") brings both back (``restored``)."""
        try:
            if isinstance(code, bytes) and code.lstrip()[:5].upper() == b"TYSHA":
                # A QR code made of the text form (any QR app can make one): read it as text.
                inv = Invitation.from_text(code.decode("ascii", "replace"))
            elif isinstance(code, bytes):
                inv = Invitation.from_qr_payload(code)
            else:
                inv = Invitation.from_text(code)
            NoteVerifier.from_vkey(inv.drop_vkey)  # refuse a malformed drop key now
        except (ProtocolError, VerificationError) as exc:
            if "hint" in vars(exc):  # its message says what was wrong and what to do: once
                raise BadInput(exc.message, hint="nothing was changed") from None
            raise BadInput(
                f"this invitation is damaged or incomplete ({exc.message}); nothing was changed",
                hint="ask your contact for the code again, or copy it again whole",
            ) from None
        pinned = self._pinned()
        former = self._former_handler()
        switched = former is not None and former != inv.handler.fingerprint()
        # The same drop's log (its key): what the vault saw of it stays, so a drop that forks
        # its history is still caught, and replies are not read again from the start.
        same_drop = pinned is not None and pinned.drop_vkey == inv.drop_vkey
        if switched and not new_handler:
            waiting = len(self.state.get("outbox", []))
            raise NotAllowed(
                f"this invitation is from another contact (fingerprint {inv.handler.fingerprint()})"
                f" than the one this vault is enrolled with (fingerprint {former}); nothing was"
                f" changed. Reports waiting for your contact: {waiting}",
                hint="do not use a code you did not get in person: compare its fingerprint "
                "with that contact, face to face. To switch to this contact for good, run "
                "again with --new-handler; the reports still waiting for your contact are then "
                "not sent (send them first: tysha source send --now)",
            )
        self.not_sent = []
        self.restored = []
        self.witnesses_removed = None
        back: dict[str, Any] | None = None
        if switched:
            self.not_sent = self.outbox()
            back = self._hold_for(str(former), inv.handler.fingerprint())
            self.state["outbox"] = []
            for r in self.state.get("replies", []):
                r.setdefault("handler", former)  # whose reply it was, said by `replies`
        if back is not None:
            # Back to a handler this vault reported to before: its key (which that desk
            # knows) and the reports that waited for it.
            self.state["identity"] = bytes(back["identity"])
            self.state["key_birth_hour"] = back.get("key_birth_hour")
            self.state["outbox"] = list(back.get("outbox") or [])
            self.restored = self.outbox()
        elif "identity" not in self.state or switched:
            self.state["identity"] = Identity.generate(self.rand).to_bytes()
            # No reply to this key can be older (an expiry claimed before it is a lie).
            self.state["key_birth_hour"] = int(self.clock()) // 3600
        if not same_drop:
            # Replies are known by their index in one drop's log: those kept are marked with
            # the log they came from, so the new log's entries at the same indices are read.
            old_log = pinned.drop_vkey if pinned is not None else ""
            for r in self.state.get("replies", []):
                r.setdefault("drop", old_log)
            # What the vault learnt of the old drop is not held against the new one.
            self.state.pop("listing_seen", None)
            self.state.pop("drop_retention_hours", None)
            # Witnesses chosen for the old drop's log, required of the new one, would block
            # every reply (and no command takes a policy away): it goes, said, unless given
            # again now.
            old_policy = self.state.get("witness_policy")
            if isinstance(old_policy, dict) and not self._policy_given:
                self.witnesses_removed = _policy_names(old_policy)
                self.state.pop("witness_policy")
        self._policy_given = False
        self.enrolment = (
            "back" if back is not None else "switched" if switched
            else "new" if former is None else "same" if same_drop else "moved"
        )  # fmt: skip
        # The drops' logs this vault pinned, in order: a reply kept from a former one is
        # shown with that log's number (its index alone may be another reply's here).
        logs = [str(k) for k in self.state.get("logs", []) if isinstance(k, str)]
        for key in (pinned.drop_vkey if pinned is not None else None, inv.drop_vkey):
            if key is not None and key not in logs:
                logs.append(key)
        self.state["logs"] = logs
        self.state["invitation"] = inv.to_bytes()
        self.state.setdefault("outbox", [])
        self.state.setdefault("receipts", [])
        self.state.setdefault("replies", [])
        self.state.setdefault("sent", [])
        if not same_drop:
            self.state["cursor"] = -1
            for key in ("checkpoint", "trusted", "unchecked", "log_frozen"):
                self.state.pop(key, None)
        elif back is not None:
            # The log was read meanwhile for another key: replies this handler wrote to its
            # key since are before the cursor (those kept are not shown twice).
            self.state["cursor"] = -1
        self.state.pop("log_forked", None)  # a new invitation, met in person: a fresh start
        self.save()
        return inv

    def _hold_for(self, leaving: str, coming: str) -> dict[str, Any] | None:
        """Keep aside, in the vault, what belongs to the handler ``leaving`` (its key and the
        reports still waiting for it, sent to no one); return what was kept aside for the
        handler ``coming`` (None: this vault never reported to it), taking it out."""
        held = [h for h in self.state.get("held", [])
                if isinstance(h, dict) and isinstance(h.get("identity"), bytes)]  # fmt: skip
        back = next((h for h in held if h.get("handler") == coming), None)
        kept = [h for h in held if h.get("handler") not in (leaving, coming)]
        if isinstance(self.state.get("identity"), bytes):
            kept.append({
                "handler": leaving,
                "identity": self.state["identity"],
                "key_birth_hour": self.state.get("key_birth_hour"),
                "outbox": list(self.state.get("outbox", [])),
            })  # fmt: skip
        self.state["held"] = kept
        return back

    def _pinned(self) -> Invitation | None:
        """The invitation pinned now (None: none, or it no longer reads)."""
        raw = self.state.get("invitation")
        if not isinstance(raw, bytes):
            return None
        try:
            return Invitation.from_bytes(raw, legacy_ok=True)
        except TyshaError:
            return None

    def _former_handler(self) -> str | None:
        """The fingerprint of the handler this vault is enrolled with (None: not enrolled; a
        pinned invitation that no longer reads is no handler's: "unreadable")."""
        if not isinstance(self.state.get("invitation"), bytes):
            return None
        pinned = self._pinned()
        return pinned.handler.fingerprint() if pinned is not None else "unreadable"

    # --- reports -----------------------------------------------------------------------------

    def report(
        self,
        categories: list[str],
        text: str,
        when: str | None = None,
        where: str | None = None,
        attachments: list[Path] = (),  # type: ignore[assignment]
        mean_delay: float = DEFAULT_MEAN_DELAY,
    ) -> str:
        """Seal a report into the outbox; return its outbox id."""
        cats = [c.lower() for c in categories]
        bad = [c for c in cats if c not in CATEGORIES]
        if bad or not cats:
            raise ConfigError(
                f"unknown category {bad[0] if bad else '(none)'}; "
                f"use one of: {', '.join(CATEGORIES)}"
            )
        if not text.strip():
            raise BadInput("a report needs some text")
        when = parse_when(when, self.clock()) if when else None
        ident = self.identity()
        inv = self.invitation()
        paths = [Path(p) for p in attachments]
        try:
            sizes = [path.stat().st_size for path in paths]
        except OSError as exc:
            raise ConfigError(
                f"cannot read the attachment {Path(exc.filename or '?').name}: {exc.strerror}"
            ) from None
        self.vault.check_room(self.comp, sum(sizes))  # before a file too large is read
        atts = []
        blobs = []
        for path in paths:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ConfigError(
                    f"cannot read the attachment {path.name}: {exc.strerror}"
                ) from None
            claims = capture_claims(path, data, self.clock)
            att = CaptureAttestation.create(ident, claims)
            atts.append(
                Attachment(path.name, claims["media_type"], len(data), claims["sha256"], att)
            )
            blobs.append(data)
        now = self.clock()
        body = {
            "categories": cats,
            "text": text,
            "when": when or "",
            "where": where or "",
            "created_at": _iso(now),
            "client": "app",  # the desk shows where a report came from (issue 11)
            # The handler desk it is for: an escrow desk counts cells by it (issue 12).
            "to": inv.handler.fingerprint(),
        }
        # The invitation's secret enrols this key at the desk; carried by every report it
        # would tie each one, in any court bundle, to whoever holds the code (a QR photo on a
        # seized phone). So it goes only until the desk has shown this key enrolled
        # (enrolment_proved); before that a first report may be lost or late, and each
        # carries it.
        tag = _enrol_tag(inv.secret)
        carried = None if self.enrolment_proved() else inv.secret
        manifest = Manifest("report", ident.public(), body, tuple(atts), carried).signed(ident)
        prefix = frame_content(manifest.to_bytes())
        total = len(prefix) + sum(len(b) for b in blobs)
        sealer = EnvelopeSealer(inv.recipients(), total, self.rand)
        env = sealer.header + b"".join(sealer.body([prefix, *blobs]))
        return self._enqueue(env, now, mean_delay, tag if carried else None)

    def enrolment_proved(self) -> bool:
        """Whether the desk has shown that it enrolled this vault's key under the invitation
        pinned now: a reply from the pinned handler, sealed to this key, answered a report
        that carried this invitation's secret (the desk replies only to an enrolled key, and
        a report with the secret from a key it knows marks that invitation used). Kept in
        the vault; another invitation pinned since (a new code) is not proved by it."""
        raw = self.state.get("invitation")
        if not isinstance(raw, bytes):
            return False
        return self.state.get("enrol_proved") == _enrol_tag(self.invitation().secret)

    def _note_enrolled(self, reply: dict[str, Any], inv: Invitation) -> None:
        """A verified reply of the pinned handler that answers a report of this vault which
        carried the current invitation's secret (sent, or in the outbox once a courier
        delivered it) proves this key enrolled (:meth:`enrolment_proved`). Each report keeps,
        until then, which invitation's secret it carried (a short hash of it)."""
        ref = reply.get("in_reply_to")
        if not isinstance(ref, bytes):
            return
        tag = _enrol_tag(inv.secret)
        carried = [s.get("enrol") for s in self.state.get("sent", [])
                   if isinstance(s, dict) and s.get("digest") == ref]  # fmt: skip
        carried += [i.get("enrol") for i in self.state.get("outbox", [])
                    if isinstance(i, dict) and isinstance(i.get("env"), bytes)
                    and hashlib.sha256(bytes(i["env"])).digest() == ref]  # fmt: skip
        if tag in carried:
            self.state["enrol_proved"] = tag
            # Which reports carried a secret is of no more use (a new code's reports get
            # their own mark): the vault keeps no more of them than it must.
            for item in [*self.state.get("sent", []), *self.state.get("outbox", [])]:
                if isinstance(item, dict):
                    item.pop("enrol", None)

    def _enqueue(
        self, env: bytes, now: float, mean_delay: float, enrol: bytes | None = None
    ) -> str:
        header = parse_header(env)
        u = int.from_bytes(self.rand(7), "big") / float(1 << 56)
        delay = -mean_delay * math.log(1.0 - u) if mean_delay > 0 else 0.0
        item = {
            "id": self.rand(6).hex(),
            "env": env,
            "created": int(now) // 3600 * 3600,
            "due": int(now + delay),
            "bucket": header.length,
        }
        if enrol is not None:
            # It carries the invitation's secret: a reply to it proves the key enrolled.
            item["enrol"] = enrol
        self.state.setdefault("outbox", []).append(item)
        # Counted in the vault's sealed save header too, so a damaged save can say how many
        # reports it took with it (vault.py).
        made = self.state.get("made", 0)
        self.state["made"] = (made if isinstance(made, int) else 0) + 1
        self.save()
        return str(item["id"])

    def outbox(self) -> list[dict[str, Any]]:
        return [
            {"id": i["id"], "size_bucket": i["bucket"], "created_at": _iso(i["created"])}
            for i in self.state.get("outbox", [])
        ]

    def _clock_went_back(self) -> None:
        """A report written while the clock was ahead of it now (set wrong, then corrected)
        would wait for its delay counted from the wrong time, months perhaps: it waits its
        delay from now instead, and is said to be written now (saved, so this is done once)."""
        t = self.clock()
        moved = False
        for i in self.state.get("outbox", []):
            if t + 3600 < i["created"]:
                i["due"] = int(t + max(0, i["due"] - i["created"]))
                i["created"] = int(t) // 3600 * 3600
                moved = True
        if moved:
            self.save()

    def next_due(self) -> float | None:
        """Seconds until the next waiting report is due (None when nothing waits)."""
        self._clock_went_back()
        items = self.state.get("outbox", [])
        if not items:
            return None
        t = self.clock()
        return max(0.0, min(float(i["due"]) for i in items) - t)

    def due(self, now: bool = False) -> list[dict[str, Any]]:
        self._clock_went_back()
        t = self.clock()
        items = [i for i in self.state.get("outbox", []) if now or i["due"] <= t]
        # Random order: the drop must not learn the order of capture.
        keyed = sorted((self.rand(8), n) for n in range(len(items)))
        return [items[n] for _, n in keyed]

    # --- receipts and the log ----------------------------------------------------------------

    def check_receipt(
        self, receipt: Receipt, digest: bytes, consistency: Callable[[int, int], list[bytes]] | None
    ) -> Checkpoint:
        """Verify a receipt against the pinned drop key and the last checkpoint seen."""
        inv = self.invitation()
        cp: Checkpoint = receipt.verify(inv.drop_vkey, digest)
        self.observe_checkpoint(cp, consistency)
        return cp

    def observe_checkpoint(
        self,
        cp: Checkpoint,
        consistency: Callable[[int, int], list[bytes]] | None,
        *,
        online: bool = True,
    ) -> None:
        """Check ``cp`` against the last checkpoint the vault trusted (a fork is said loudly)
        and keep it when it is larger. ``online`` (``consistency`` asks the drop): the
        checkpoints a courier brought that could not be checked against the last one
        (``unchecked``, see :meth:`apply_courier_receipts`) are checked against ``cp`` too."""
        last = self.state.get("checkpoint")
        if isinstance(last, dict):
            self._check_consistent(int(last["size"]), bytes(last["root"]), cp, consistency)
        unchecked = self.state.get("unchecked")
        if online and isinstance(unchecked, list):
            for size, root in unchecked:
                self._check_consistent(int(size), bytes(root), cp, consistency)
            self.state.pop("unchecked")
        if not isinstance(last, dict) or cp.size >= int(last["size"]):
            self.state["checkpoint"] = {"size": cp.size, "root": cp.root_hash}
            # The checkpoints trusted lately: a courier's proof starts at the one the export
            # file carried, and the vault may have gone online (and on) since.
            trusted = self.state.get("trusted")
            kept = trusted if isinstance(trusted, list) else []
            self.state["trusted"] = [*kept, [cp.size, cp.root_hash]][-TRUSTED_KEPT:]

    def _check_consistent(
        self,
        size: int,
        root: bytes,
        cp: Checkpoint,
        consistency: Callable[[int, int], list[bytes]] | None,
    ) -> None:
        """``cp`` and the trusted checkpoint (``size``, ``root``) are one history, or the
        fork is remembered in the vault (:meth:`_remember_fork`) and said in the words a
        reporter acts on."""
        if consistency is None:
            raise VerificationError("cannot check the drop's log against the last checkpoint")
        try:
            verify_consistency_between(size, root, cp.size, cp.root_hash, consistency)
        except VerificationError as exc:
            self._remember_fork()
            raise VerificationError(
                "THE DROP SHOWS A DIFFERENT HISTORY than before (a forked log): "
                f"{exc.message}. Stop sending to it and tell your contact in person."
            ) from None

    def _remember_fork(self) -> None:
        """The drop signed two histories of its log: kept in the vault (the hour only), so a
        drop that shows the first one again is not trusted again (send refuses it, replies say
        so) until the source enrols with a new invitation."""
        if not isinstance(self.state.get("log_forked"), int):
            self.state["log_forked"] = int(self.clock()) // 3600
            self.save()

    def fork_seen(self) -> str | None:
        """When this vault saw the drop show two histories of its log (as a person reads the
        hour), or None."""
        hour = self.state.get("log_forked")
        return hour_text(hour) if isinstance(hour, int) else None

    def _refuse_if_forked(self) -> None:
        when = self.fork_seen()
        if when is not None:
            raise VerificationError(
                f"the drop showed you two histories of its log ({when}): nothing is sent"
                " through it, your reports stay sealed in the vault. Tell your contact in"
                " person and enrol with a new invitation"
            )

    def _refuse_if_frozen(self) -> None:
        """The drop served this vault, at its last look, an older checkpoint than a tree it had
        signed for it (fetch_replies): said after a send (the reports went, their receipts are
        kept), as the drop may hide them from the handler."""
        frozen = self.state.get("log_frozen")
        if isinstance(frozen, list) and len(frozen) == 2:
            served, signed = frozen
            raise VerificationError(
                f"the drop serves an old checkpoint of its log ({served} entries), though it"
                f" signed one of {signed} for you: what it logged since may be hidden from your"
                " contact. What was sent is sent and its receipts are kept; tell your contact"
                " in person"
            )

    # --- sending -----------------------------------------------------------------------------

    def send(
        self, client: Any, now: bool = False, progress: Callable[[int, int], None] | None = None
    ) -> SendResult:
        """Upload due envelopes, each over a Tor circuit of its own when the route is Tor
        (``client.new_circuit``); keep only the verified receipt of each. With a witness policy
        the drop's cosigned checkpoint is checked afterwards (:meth:`_witnessed`): a fork or a
        policy not met raises VerificationError once every receipt is kept."""
        self._refuse_if_forked()
        items = self.due(now)
        receipts = []
        last: Checkpoint | None = None
        # Through Tor each envelope goes over a circuit of its own (fresh SOCKS credentials):
        # the drop does not get all the reports due on one circuit, as one person's.
        new_circuit = getattr(client, "new_circuit", None)
        for item in items:
            env = bytes(item["env"])
            digest = hashlib.sha256(env).digest()
            if new_circuit is not None:
                new_circuit()
            receipt = client.upload(env, progress=progress)
            last = self.check_receipt(receipt, digest, client.tiled_consistency)
            kept: dict[str, Any] = {
                k: self.state[k] for k in ("outbox", "receipts", "sent") if k in self.state
            }
            self._mark_sent(item, receipt)
            try:
                self.save()
            except BaseException:
                # Not in the vault (a full card, the command stopped): it still waits there,
                # so it is not counted as sent; the next send gets the drop's same receipt.
                for k in ("outbox", "receipts", "sent"):
                    self.state.pop(k, None)
                self.state.update(kept)
                raise
            receipts.append(receipt)
        if last is not None:
            # Receipts never wait for witnesses; what they cosigned so far must be the same
            # history (a fork is told now; VerificationError after the sends were kept).
            self._witnessed(client, last)
            self._refuse_if_frozen()
        return SendResult(len(receipts), len(self.state.get("outbox", [])), receipts)

    def _mark_sent(self, item: dict[str, Any], receipt: Receipt) -> None:
        """Move an item from the outbox to the sent list: its local id, the hour it was written
        and its digest (what a reply names), never its content."""
        # New lists, not appended to: send() puts the old ones back when the save fails.
        self.state["outbox"] = [i for i in self.state["outbox"] if i["id"] != item["id"]]
        self.state["receipts"] = [*self.state.get("receipts", []), receipt.to_bytes()]
        self.state["sent"] = [
            *self.state.get("sent", []),
            {
                "id": item["id"],
                "created": item["created"],
                "digest": receipt.envelope_digest,
                # When it left (the hour): its receipt and digest go once the drop's
                # retention has passed since (forget_old_sends).
                "sent_hour": int(self.clock()) // 3600,
                **({"enrol": item["enrol"]} if isinstance(item.get("enrol"), bytes) else {}),
            },
        ]

    # --- replies -----------------------------------------------------------------------------

    def fetch_replies(self, client: Any) -> list[dict[str, Any]]:
        """Scan the clue listing after our cursor; open, verify and keep our replies.

        The drop is not trusted (issue 9.6). Its checkpoint is verified first (signature and
        consistency with the last one seen) and the listing is read only up to that verified
        size; at most ``MAX_CLUE_PAGES`` pages per run. Every page is audited against the
        verified log (:meth:`DropClient.audited_page`, the verifiable listing): it must move
        the cursor forward by exactly one page, or by less to the end of the signed log, name
        no record outside it, and account for every index with the log's own entry there.
        A page that fails this is not used: the scan stops and ``listing_problem`` says what
        the drop did. An entry the drop omits, lists with another digest or calls expired
        too early, and a reply to this vault it calls deleted although this vault never took
        it, is *withheld*: ``listing_problem`` says so, the vault's cursor stays before it
        (it is looked at again next time) and the pages after it are still read. A reply's
        envelope logged again at another index (an old reply replayed) is not kept twice;
        ``listing_problem`` says so too.

        A cursor beyond the verified checkpoint is normal on a busy drop (entries arrived
        after the checkpoint was read): it is cut back to the checkpoint, so the cursor kept
        in the vault never passes the verified log and nothing is skipped. What is still
        out of reach is said in :mod:`tysha.protocol.listing` (a drop that garbles a
        record's clues)."""
        ident = self.identity()
        inv = self.invitation()
        cp = open_checkpoint(client.checkpoint(), NoteVerifier.from_vkey(inv.drop_vkey))
        signed = self.last_checkpoint_size()
        self.observe_checkpoint(cp, client.tiled_consistency)
        # One history with the largest tree the drop signed for this vault (a receipt's, or a
        # checkpoint it served before), but smaller: it serves an old checkpoint, and what it
        # logged since (replies to this vault, its reports) stays hidden. Kept in the vault
        # (`send` says it too) until it serves a tree at least that large.
        if cp.size < signed:
            self.state["log_frozen"] = [cp.size, signed]
        else:
            self.state.pop("log_frozen", None)
        served = cp.size
        cp = self._witnessed(client, cp)
        limit = cp.size - 1  # the last index the verified (and witnessed) log holds
        scanner = Scanner(ident.clue_secret, ident.public().clue)
        cursor = self.state.get("cursor", -1)
        if not isinstance(cursor, int) or cursor < -1 or cursor > limit:
            # Never written by this code: a cursor from before this check, pushed ahead by a
            # lying drop. Read the listing again from the start (seen replies are skipped).
            cursor = -1
        # Replies read from this drop's log (one kept from another drop, before the handler
        # moved, names an index of that log).
        here = [r for r in self.state.get("replies", [])
                if r.get("drop", inv.drop_vkey) == inv.drop_vkey]  # fmt: skip
        seen = {str(r.get("id")) for r in here}
        # An envelope is logged once; the same one at another index is an old reply replayed.
        held = {bytes(r["digest"]) for r in here if isinstance(r.get("digest"), bytes)}
        replayed: list[int] = []
        new: list[dict[str, Any]] = []
        # (index, deletion secrets) of the replies kept now: deleted on the drop once the
        # vault holds them (saved), so that a vault stopped before its save finds the reply
        # again, never "deleted on the drop without you".
        deletions: list[tuple[int, list[bytes]]] = []
        self.listing_problem = None
        now_hour = int(self.clock()) // 3600
        fresh = self.state.get("listing_seen")
        fresh_from, fresh_hour = (
            (int(fresh[0]), int(fresh[1]))
            if isinstance(fresh, list) and len(fresh) == 2
            and all(isinstance(v, int) for v in fresh)
            else (None, None)
        )  # fmt: skip
        retention = self._retention_hours(client)
        born = self.state.get("key_birth_hour")
        born = born if isinstance(born, int) else 0
        if max(born, fresh_hour or 0) > now_hour + EXPIRY_SLACK_HOURS:
            # An hour this vault kept is later than the clock now: the clock has been put back
            # (it ran ahead, a wrong year). Hours read from it then are not held against the
            # drop; the clock of now still is.
            born, fresh_from, fresh_hour = 0, None, None
        withheld: dict[int, str] = {}
        latest: int | None = None  # the latest arrival hour the drop gives an expired entry
        held_back: list[int] = []  # replies not read this time (no answer): read next time
        # From the page boundary at or before the cursor, not the cursor itself: where this
        # vault stopped last time (the log's size at its last check, or just before a reply
        # to it that could not be read then) is its own, and asked of the drop it would link
        # its visits (THREAT_MODEL A7, A8). Every source that last looked within the same
        # page asks the same pages; what is read again is skipped (``seen``).
        page_cursor = (cursor + 1) // CLUE_PAGE * CLUE_PAGE - 1
        for _page in range(MAX_CLUE_PAGES):
            if page_cursor >= limit:
                break
            try:
                audit, end = client.audited_page(
                    page_cursor, cp, CLUE_PAGE, now_hour=now_hour, retention_hours=retention,
                    fresh_from=fresh_from, fresh_hour=fresh_hour,
                )  # fmt: skip
            except (VerificationError, ProtocolError) as exc:
                self.listing_problem = exc.message
                break
            except TransportError:
                # The connection broke midway: the replies read so far are kept (the cursor
                # stays where it was, so the listing is read again from there next time).
                if new:
                    self.save()
                raise
            if end - page_cursor < CLUE_PAGE and end < limit:
                # A page shorter than asked must reach the drop's end, which is at least the
                # size of the checkpoint it signed (its log only grows: checked above).
                self.listing_problem = "its listing stops short of the log it signed"
                break
            withheld.update(audit.problems)
            if audit.latest_hour is not None:
                latest = max(latest or 0, audit.latest_hour)
            for rec in audit.records:
                if scanner.match(rec) is None or str(rec.index) in seen:
                    continue
                if rec.state == EXPIRED:
                    if rec.hour is not None and rec.hour < born - 1:
                        withheld[rec.index] = (
                            "a reply to you, claimed expired before your key existed"
                        )
                    continue
                if rec.state == DELETED:
                    # Deleting needs this vault's slot secret, which only this vault learns.
                    withheld[rec.index] = "a reply to you, deleted on the drop without you"
                    continue
                try:
                    data = client.fetch_bytes(rec.index)
                    # The envelope must be the log's entry at this index (a drop serving
                    # another one hides the entry that is there).
                    entry = client.proved_entry(rec.index, cp)
                except VerificationError as exc:
                    withheld[rec.index] = f"its log entry cannot be proved ({exc.message})"
                    continue
                except DropRefused as exc:
                    if exc.status == 410 and exc.body.get("error") == "damaged":
                        # Its disk lost it (drop/web.py), or it says so: asked for again.
                        withheld[rec.index] = (
                            "a reply to you, listed as live, but the drop says its copy is"
                            f" damaged or lost ({exc.status})"
                        )
                    elif exc.status in (404, 410):
                        # Listed as live, then "gone": the drop hides it (it is asked for
                        # again next time, never passed over).
                        withheld[rec.index] = (
                            f"a reply to you, listed as live, but the drop says it is gone"
                            f" ({exc.status})"
                        )
                    else:
                        held_back.append(rec.index)
                    continue
                except TyshaError:
                    held_back.append(rec.index)  # the drop did not answer: next time
                    continue
                if hashlib.sha256(data).digest() != entry:
                    withheld[rec.index] = "the drop served another envelope than its log holds"
                    continue
                if entry in held:
                    replayed.append(rec.index)  # shown once, as when it first came
                    continue
                try:
                    reply = self._open_reply(data, ident, inv)
                except TyshaError:
                    continue  # not a valid reply from our handler: ignore it
                reply["id"] = f"{rec.index}"
                reply["digest"] = entry
                seen.add(reply["id"])
                held.add(entry)
                deletions.append((rec.index, reply.pop("_del")))
                new.append(reply)
                self.state.setdefault("replies", []).append(reply)
                self._note_enrolled(reply, inv)
            page_cursor = end
        if withheld and self.listing_problem is None:
            first = min(withheld)
            self.listing_problem = (
                f"it withholds entries of its log from you: {len(withheld)} (entry {first}:"
                f" {withheld[first]})"
            )
            if latest is not None and latest > now_hour + EXPIRY_SLACK_HOURS:
                # Honest expiries look too recent to a clock far behind (reset to 2000): the
                # source can tell which of the two is wrong; the entries stay withheld.
                self.listing_problem = (
                    f"{self.listing_problem}; or this phone's clock is behind: it says"
                    f" {hour_text(now_hour)}, and the drop says entries arrived up to"
                    f" {hour_text(latest)}. If the phone's date is wrong, set it right and"
                    " look again"
                )
        if served < signed:  # what it hides is more than any entry found withheld
            self.listing_problem = (
                f"it serves an old checkpoint of its log ({served} entries), though it signed"
                f" one of {signed} for you: what it logged since, replies to you among it, is"
                " hidden from you"
            )
        when = self.fork_seen()
        if when is not None:  # said every time: what it shows now may be the other history
            self.listing_problem = (
                f"it showed you two histories of its log ({when}); {self.listing_problem}"
                if self.listing_problem
                else f"it showed you two histories of its log ({when})"
            )
        if replayed and self.listing_problem is None:
            index = replayed[0]
            self.listing_problem = f"it logged a reply you already have again, as entry {index}"
        self.withheld = dict(sorted(withheld.items()))
        # Never past a withheld entry: it is looked at again next time.
        self.state["cursor"] = max(
            cursor, min([page_cursor] + [i - 1 for i in [*withheld, *held_back]])
        )
        if page_cursor >= limit:
            self.state["listing_seen"] = [cp.size, now_hour]
        # A new reply that names no report remembered here keeps no digest (nor do others).
        self.forgotten += self.forget_old_sends()
        self.save()
        for index, secrets in deletions:
            try:
                for secret in secrets:
                    client.delete(index, secret)
            except TyshaError:
                pass  # it stays on the drop until it expires; the vault has it
        return new

    # --- witnesses (issue 14) ------------------------------------------------------------------

    def set_witness_policy(self, vkeys: list[str], k: int | None) -> None:
        """Keep "``k`` (default: all) of these witnesses" (C2SP tlog-cosignature vkeys) in the
        vault; an empty list removes it. BadInput (nothing changed) for a key that is not a
        witness key or a ``k`` that cannot be met."""
        policy = pinned_policy(vkeys, k)
        self._policy_given = True
        if policy is None:
            self.state.pop("witness_policy", None)
        else:
            self.state["witness_policy"] = policy

    def _witnessed(self, client: Any, cp: Checkpoint) -> Checkpoint:
        """With a witness policy in the vault: the checkpoint replies may be read up to. The
        drop's cosigned checkpoint must carry ``k`` valid cosignatures of the pinned witnesses
        and be consistent with ``cp`` (verified); only what it covers is read.
        VerificationError naming the missing witnesses, or the fork, otherwise. Which
        cosignatures were checked is in ``witnessed``."""
        raw = self.state.get("witness_policy")
        if not isinstance(raw, dict):
            self._asked_as_witnessed(client, cp)
            return cp
        policy = WitnessPolicy.from_vkeys([str(v) for v in raw["witnesses"]], int(raw["k"]))
        names = ", ".join(w.name for w in policy.witnesses)
        try:
            note = client.log_file("checkpoint.cosigned").decode("utf-8")
            checked = check_witnesses(
                note, NoteVerifier.from_vkey(self.invitation().drop_vkey), policy,
                origin=cp.origin,
            )  # fmt: skip
        except DropRefused as exc:
            if exc.status != 404:
                raise
            raise VerificationError(
                f"the drop serves no cosigned checkpoint; you require {policy.k} of its"
                f" witnesses ({names}); missing: {names}. Nothing was read"
            ) from None
        except (ProtocolError, UnicodeDecodeError, VerificationError) as exc:
            detail = exc.message if isinstance(exc, TyshaError) else "not text"
            raise VerificationError(
                f"the drop's cosigned checkpoint is unusable ({detail}). Nothing was read"
            ) from None
        self.witnessed = checked.summary()
        if not checked.accepted:
            missing = [c.name for c in checked.checks if c.status in ("missing", "invalid")]
            raise VerificationError(
                f"the witness policy is not met ({self.witnessed}); missing:"
                f" {', '.join(missing) or '-'}. Nothing was read"
            )
        wcp = checked.checkpoint
        try:
            verify_consistency_between(
                wcp.size, wcp.root_hash, cp.size, cp.root_hash, _proofs_of(client)
            )
        except ProtocolError as exc:
            # A malformed answer proves no fork; it proves nothing at all.
            raise VerificationError(
                "the drop did not prove that what its witnesses cosigned and what it shows you"
                f" are one history ({exc.message}). Nothing was read"
            ) from None
        except (VerificationError, DropRefused) as exc:
            if isinstance(exc, DropRefused) and exc.busy:  # proves nothing: try again later
                raise
            self._remember_fork()
            raise VerificationError(
                "THE DROP SHOWS ITS WITNESSES A DIFFERENT HISTORY than it shows you (a forked"
                f" log): {exc.message}. Stop sending to it and tell your contact in person."
            ) from None
        return wcp if wcp.size < cp.size else cp

    def _asked_as_witnessed(self, client: Any, cp: Checkpoint) -> None:
        """Without a witness policy: ask what a source with one asks (the cosigned checkpoint,
        and the proof from it to ``cp``), so that the drop cannot tell the few sources with a
        policy from the rest, nor link their visits (THREAT_MODEL A7, A8). What the drop signed
        is checked: two checkpoints it signed that a proof shows are not one history are a
        fork, said as with a policy. Anything else (no such file, a refused or malformed
        answer, a broken connection) changes nothing: no policy depends on it, and a source
        without one is never told to leave a drop on less than proof."""
        try:
            note = client.log_file("checkpoint.cosigned").decode("utf-8")
            wcp = open_checkpoint(
                note, NoteVerifier.from_vkey(self.invitation().drop_vkey), origin=cp.origin
            )
        except (TyshaError, UnicodeDecodeError):
            return
        try:
            verify_consistency_between(
                wcp.size, wcp.root_hash, cp.size, cp.root_hash, _proofs_of(client)
            )
        except VerificationError as exc:  # two signed checkpoints, proved of two histories
            raise VerificationError(
                "THE DROP SHOWS ITS WITNESSES A DIFFERENT HISTORY than it shows you (a forked"
                f" log): {exc.message}. Stop sending to it and tell your contact in person."
            ) from None
        except TyshaError:
            return

    def _retention_hours(self, client: Any) -> int:
        """The drop's retention as first announced, kept in the vault (a drop that later
        claims a shorter one to excuse an expiry is held to the first)."""
        pinned = self.state.get("drop_retention_hours")
        if isinstance(pinned, int) and pinned > 0:
            return pinned
        try:
            days = client.info().get("retention_days")
        except (TyshaError, ValueError, AttributeError):
            days = None
        if not (isinstance(days, int) and 0 < days < 100_000):
            return 90 * 24
        self.state["drop_retention_hours"] = days * 24
        return days * 24

    def _open_reply(self, data: bytes, ident: Identity, inv: Invitation) -> dict[str, Any]:
        opened = open_envelope(data, ident)
        # The one sealed-report recipe (split, type-check, verify the manifest's signature);
        # it refuses anything but a reply.
        reply, _files = read_report([opened.content], kind="reply")
        m = reply.manifest
        if m.sender.sign != inv.handler.sign:
            raise VerificationError("a reply not signed by your contact's pinned key")
        answers = m.body.get("in_reply_to")
        if isinstance(answers, str):
            try:
                answers = bytes.fromhex(answers)
            except ValueError:
                answers = None
        return {
            "text": str(m.body.get("text", "")),
            "received_at": _iso(int(self.clock()) // 3600 * 3600),  # to the hour, as all
            # When the handler wrote it (signed): the drop chooses the order of its log, and a
            # reply it held back would otherwise read as the newest.
            "written_at": _signed_time(m.body.get("created_at")),
            "in_reply_to": answers if isinstance(answers, bytes) else None,
            "handler": inv.handler.fingerprint(),  # whose: a vault may switch handlers
            # Its own slot's secret and the look-alike's: the reply is then gone from the
            # drop (it is never asked for again: its index is in ``seen``).
            "_del": opened.deletion_secrets,
        }

    def replies(self) -> list[dict[str, Any]]:
        """Stored replies, in the order the handler wrote them (``written_at``, signed; None
        for a reply that carries no time, kept where it arrived); ``in_reply_to`` names the
        report answered by its local outbox id and the hour it was written (what ``outbox``
        showed), or is None when the reply names no report this vault sent; ``id`` is the
        reply's index in its drop's log, with ``@N`` after it for a reply kept from a drop
        this vault used before (the Nth it pinned), so no two are the same; ``handler`` is
        the fingerprint of the handler who wrote it (``former`` true when that is not the
        handler this vault is enrolled with now)."""
        sent = {
            bytes(s["digest"]): s
            for s in self.state.get("sent", [])
            if isinstance(s, dict) and isinstance(s.get("digest"), bytes)
        }
        out = []
        current = self._former_handler()
        pinned = self._pinned()
        log = pinned.drop_vkey if pinned is not None else None
        logs = list(self.state.get("logs", []))
        for r in self.state.get("replies", []):
            handler = r.get("handler") if isinstance(r.get("handler"), str) else current
            rid = str(r["id"])
            if r.get("drop", log) != log:  # from a former drop's log: "INDEX@N", N its number
                rid += f"@{logs.index(r['drop']) + 1 if r['drop'] in logs else 0}"
            ref = r.get("in_reply_to")
            # A digest, or the words kept of a report sent long ago (forget_old_sends).
            item = (
                sent.get(bytes(ref)) if isinstance(ref, bytes)
                else ref if isinstance(ref, dict) and "id" in ref and "created" in ref
                else None
            )  # fmt: skip
            answers = {"id": item["id"], "created_at": _iso(item["created"])} if item else None
            out.append(
                {
                    "id": rid,
                    "text": r["text"],
                    "received_at": r["received_at"],
                    "written_at": r.get("written_at"),
                    "in_reply_to": answers,
                    "handler": handler,
                    "former": handler != current,
                }
            )
        return sorted(out, key=lambda r: r["written_at"] or r["received_at"])

    # --- courier -----------------------------------------------------------------------------

    def _courier_proof_start(self, cp: Checkpoint, proof: list[bytes]) -> int | None:
        """The size of the trusted checkpoint (newest first) from which ``proof`` proves
        ``cp``: a courier's proof starts at the size the export file carried. None when it
        starts at none of them."""
        trusted = self.state.get("trusted")
        kept = [(int(n), bytes(r)) for n, r in trusted] if isinstance(trusted, list) else []
        last = self.state.get("checkpoint")
        if isinstance(last, dict):
            kept.append((int(last["size"]), bytes(last["root"])))
        for size, root in reversed(kept):
            if size > cp.size or size == 0:
                continue
            try:
                verify_consistency(size, cp.size, root, cp.root_hash, proof)
            except VerificationError:
                continue
            return size
        return None

    def last_checkpoint_size(self) -> int:
        last = self.state.get("checkpoint")
        return int(last["size"]) if isinstance(last, dict) else 0

    def apply_courier_receipts(
        self, receipts: list[Receipt], consistency: list[bytes] | None, new_checkpoint: str
    ) -> int:
        """Verify receipts a courier brought back and drop their envelopes from the outbox."""
        inv = self.invitation()
        log_key = NoteVerifier.from_vkey(inv.drop_vkey)
        _text, signatures = parse_note(new_checkpoint)
        if not any((s.name, s.key_id) == (log_key.name, log_key.key_id) for s in signatures):
            # Not signed by the pinned drop at all (a forgery of it would carry its key): the
            # courier went to another drop, or the handler's drop changed since the export.
            raise ConfigError(
                "these receipts are from another drop's log than the one your invitation names"
                " (the courier delivered to another drop, or your contact's drop changed since"
                " the export): nothing was applied, and the reports stay in the outbox",
                hint="send them with tysha source send, or export them again for a courier to "
                "the drop your invitation names",
            )
        cp = open_checkpoint(new_checkpoint, log_key)
        proof = list(consistency or [])
        start = self._courier_proof_start(cp, proof)
        last = self.state.get("checkpoint")
        if start is None or not isinstance(last, dict) or start == int(last["size"]):
            # From the last checkpoint (or from none the vault trusted: a fork, said so).
            self.observe_checkpoint(cp, lambda old, new: proof, online=False)
        else:
            # The proof starts at a checkpoint the vault trusted before it went online again
            # (the one the export file carried): one history with that one, not yet shown
            # to be one with the last; the next visit to the drop checks it.
            unchecked = self.state.get("unchecked")
            kept = unchecked if isinstance(unchecked, list) else []
            self.state["unchecked"] = [*kept, [cp.size, cp.root_hash]][-TRUSTED_KEPT:]
        by_digest = {
            hashlib.sha256(bytes(i["env"])).digest(): i for i in self.state.get("outbox", [])
        }
        applied = 0
        for r in receipts:
            # Each waiting envelope is confirmed once: a receipt brought twice counts once.
            item = by_digest.pop(r.envelope_digest, None)
            if item is None:
                continue
            got = r.verify(inv.drop_vkey, r.envelope_digest)
            if got.size != cp.size or got.root_hash != cp.root_hash:
                raise VerificationError("a courier receipt refers to another checkpoint")
            self._mark_sent(item, r)
            applied += 1
        self.save()
        return applied
