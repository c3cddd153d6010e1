"""The desk's typed records, as stored (sealed JSON rows; the field names are the format).

Each record converts to and from the JSON object its table row holds, so desks written
before these classes existed open unchanged. A :class:`Report` keeps its evidence as the
mapping the bundle carries verbatim (``report.json``); its typed reading for people is
:class:`tysha.desk.views.ReportView`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from tysha.protocol import PublicIdentity

__all__ = [
    "STATUSES",
    "DropState",
    "Invitation",
    "OutboxItem",
    "QuarantineRecord",
    "Report",
    "Source",
    "url_key",
]

STATUSES = ("new", "reviewing", "verified", "escalated")


def url_key(url: str) -> str:
    """A drop record's clear row key: the SHA-256 of its address (what a damaged drop record
    is named by)."""
    return hashlib.sha256(url.encode()).hexdigest()


@dataclass
class Source:
    id: str
    pseudonym: str
    enrolled_at: str
    revoked: bool
    public: PublicIdentity
    real_name: str = ""
    invitation: str | None = None
    revoked_at: str | None = None
    revoke_reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "pseudonym": self.pseudonym,
            "enrolled_at": self.enrolled_at,
            "revoked": self.revoked,
            "public": self.public.to_text(),
            "invitation": self.invitation,
            "real_name": self.real_name,
            "revoked_at": self.revoked_at,
            "revoke_reason": self.revoke_reason,
        }

    @classmethod
    def from_json(cls, sid: str, d: dict[str, Any]) -> Source:
        return cls(
            id=sid,
            pseudonym=str(d["pseudonym"]),
            enrolled_at=str(d.get("enrolled_at", "")),
            revoked=bool(d.get("revoked")),
            public=PublicIdentity.from_text(d["public"]),
            real_name=str(d.get("real_name") or ""),
            invitation=d.get("invitation"),
            revoked_at=d.get("revoked_at"),
            revoke_reason=str(d.get("revoke_reason") or ""),
        )


@dataclass
class Invitation:
    """An invitation this desk made (its secret is stored only as a hash, in the row key)."""

    id: str
    created_at: str
    drop: str
    vkey: str
    text: str
    used: bool = False
    source: str | None = None
    mirrors: tuple[str, ...] = ()  # the drop's other addresses, in the invitation's order
    # Kept at the desk only (the invitation itself does not change): after ``expires_at``
    # (or once cancelled) a first report under it enrols no one. None: made before invitations
    # expired, so never said to expire (they can be cancelled).
    expires_at: str | None = None
    cancelled_at: str | None = None

    @property
    def drops(self) -> tuple[str, ...]:
        return (self.drop, *self.mirrors)

    def state(self, now: str) -> str:
        """"used", "cancelled", "expired" or "open" (``now`` as the desk writes times)."""
        if self.source:
            return "used"
        if self.cancelled_at:
            return "cancelled"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "open"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at,
            "drop": self.drop,
            "drops": list(self.drops),
            "vkey": self.vkey,
            "text": self.text,
            "used": self.used,
            "source": self.source,
            "expires_at": self.expires_at,
            "cancelled_at": self.cancelled_at,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Invitation:
        return cls(
            str(d["id"]),
            str(d.get("created_at", "")),
            str(d["drop"]),
            str(d["vkey"]),
            str(d.get("text", "")),
            bool(d.get("used")),
            d.get("source"),
            tuple(str(m) for m in (d.get("drops") or [d["drop"]])[1:]),
            d.get("expires_at"),
            d.get("cancelled_at"),
        )

    # Old callers read invitations as mappings.
    def __getitem__(self, key: str) -> Any:
        return self.to_json()[key]


@dataclass
class DropState:
    """A drop this desk reads: its log key, the last checkpoint it verified, its cursor."""

    url: str
    vkey: str
    cursor: int = -1
    cp_size: int = 0
    cp_root: str = ""
    cp_note: str = ""
    forked: bool = False
    # Other addresses of the same log (onion + clearnet mirrors, one vkey), tried after
    # ``url`` in order; ``url`` stays the drop's name in reports, custody and the outbox.
    mirrors: tuple[str, ...] = ()

    @property
    def addresses(self) -> tuple[str, ...]:
        return (self.url, *self.mirrors)

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "mirrors": list(self.mirrors),
            "vkey": self.vkey,
            "cursor": self.cursor,
            "cp_size": self.cp_size,
            "cp_root": self.cp_root,
            "cp_note": self.cp_note,
            "forked": self.forked,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DropState:
        return cls(
            str(d["url"]),
            str(d["vkey"]),
            int(d.get("cursor", -1)),
            int(d.get("cp_size", 0)),
            str(d.get("cp_root") or ""),
            str(d.get("cp_note") or ""),
            bool(d.get("forked")),
            tuple(str(m) for m in d.get("mirrors") or ()),
        )


@dataclass
class OutboxItem:
    """A reply sealed to its source, kept until the drop has logged it."""

    id: str
    report: str
    text: str
    written_at: str
    drop: str
    envelope: bytes
    attempts: int = 0
    last_error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "report": self.report,
            "text": self.text,
            "written_at": self.written_at,
            "drop": self.drop,
            "envelope": self.envelope.hex(),
            "attempts": self.attempts,
            "last_error": self.last_error,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> OutboxItem:
        return cls(
            str(d["id"]),
            str(d["report"]),
            str(d["text"]),
            str(d["written_at"]),
            str(d["drop"]),
            bytes.fromhex(d["envelope"]),
            int(d.get("attempts", 0)),
            str(d.get("last_error", "")),
        )


@dataclass
class QuarantineRecord:
    """An envelope that could not be opened or verified: where it was, why; no content."""

    id: str
    drop: str
    index: int
    digest: str
    reason: str
    at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "drop": self.drop,
            "index": self.index,
            "digest": self.digest,
            "reason": self.reason,
            "at": self.at,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> QuarantineRecord:
        return cls(
            str(d["id"]), str(d["drop"]), int(d["index"]), str(d["digest"]), str(d["reason"]),
            str(d["at"]),
        )  # fmt: skip


@dataclass
class Report:
    """A stored report: its id, when it arrived, and its evidence record (``data``)."""

    id: str
    received_at: str
    data: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)
