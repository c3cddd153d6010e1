"""A minimal report model: HURIDOCS "who did what to whom" (../shared/TAXONOMY.md).

An :class:`Event` (when, where, what the source wrote) holds one or more :class:`Act`; each act
has a reported category (what the source ticked) and, separately, the legal qualifications an
analyst added (never merged: the category stays as the source gave it). Victims, perpetrators
and sources are references (ids into the desk's protected store), not identities: an event is
what may leave the desk; names never are part of it.

Pure: no clock, no I/O, no randomness; dates are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tysha.errors import ProtocolError
from tysha.evidence.taxonomy import CATEGORIES, qualification

__all__ = ["CONFIDENCE", "Act", "Event", "LegalQualification", "event_from_report"]

CONFIDENCE = ("low", "medium", "high")
_CODES = {c.code for c in CATEGORIES}


@dataclass(frozen=True)
class LegalQualification:
    """One analyst's qualification of an act: Rome Statute (or CCU) code, confidence, who, when."""

    code: str
    confidence: str
    reviewer: str
    date: str

    def __post_init__(self) -> None:
        if qualification(self.code) is None:
            raise ProtocolError(f"unknown legal qualification {self.code!r}")
        if self.confidence not in CONFIDENCE:
            raise ProtocolError("confidence is low, medium or high")

    @property
    def unverified_article(self) -> bool:
        """TAXONOMY.md marks this article [verify]: not to be shown as authoritative."""
        q = qualification(self.code)
        return bool(q and q.verify)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "confidence": self.confidence,
            "reviewer": self.reviewer,
            "date": self.date,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> LegalQualification:
        try:
            return cls(str(obj["code"]), str(obj["confidence"]), str(obj["reviewer"]), obj["date"])
        except (KeyError, TypeError) as exc:
            raise ProtocolError(f"malformed qualification: {exc}") from None


@dataclass(frozen=True)
class Act:
    """What was done: the reported category, and the analyst's qualifications of it."""

    category: str
    qualifications: tuple[LegalQualification, ...] = ()
    victims: tuple[str, ...] = ()
    perpetrators: tuple[str, ...] = ()  # unit, insignia, vehicles: linkage evidence (RS 28)

    def __post_init__(self) -> None:
        if self.category not in _CODES:
            raise ProtocolError(f"unknown category {self.category!r}")

    def qualified(self, q: LegalQualification) -> Act:
        return Act(self.category, (*self.qualifications, q), self.victims, self.perpetrators)

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "qualifications": [q.to_json() for q in self.qualifications],
            "victims": list(self.victims),
            "perpetrators": list(self.perpetrators),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Act:
        try:
            return cls(
                str(obj["category"]),
                tuple(LegalQualification.from_json(q) for q in obj.get("qualifications", [])),
                tuple(str(v) for v in obj.get("victims", [])),
                tuple(str(p) for p in obj.get("perpetrators", [])),
            )
        except (KeyError, TypeError) as exc:
            raise ProtocolError(f"malformed act: {exc}") from None


@dataclass(frozen=True)
class Event:
    """One reported event: when, where, the source's words, its acts and its sources."""

    id: str
    text: str
    when: str = ""
    where: str = ""
    acts: tuple[Act, ...] = ()
    sources: tuple[str, ...] = ()  # pseudonym ids at the desk, never names
    evidence: tuple[str, ...] = field(default=())  # attachment SHA-256s (hex)

    @property
    def categories(self) -> list[str]:
        return [a.category for a in self.acts]

    def qualify(self, category: str, q: LegalQualification) -> Event:
        """Add a qualification to the act of ``category`` (one act may carry several)."""
        if category not in self.categories:
            raise ProtocolError(f"the event has no act of category {category!r}")
        acts = tuple(a.qualified(q) if a.category == category else a for a in self.acts)
        return Event(self.id, self.text, self.when, self.where, acts, self.sources, self.evidence)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "when": self.when,
            "where": self.where,
            "acts": [a.to_json() for a in self.acts],
            "sources": list(self.sources),
            "evidence": list(self.evidence),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Event:
        try:
            return cls(
                str(obj["id"]),
                str(obj["text"]),
                str(obj.get("when", "")),
                str(obj.get("where", "")),
                tuple(Act.from_json(a) for a in obj.get("acts", [])),
                tuple(str(s) for s in obj.get("sources", [])),
                tuple(str(e) for e in obj.get("evidence", [])),
            )
        except (KeyError, TypeError) as exc:
            raise ProtocolError(f"malformed event: {exc}") from None


def event_from_report(rid: str, data: dict[str, Any]) -> Event:
    """The event a desk report describes: one act per reported category (unknown codes become
    ``other``); report-level qualifications attach to every act whose category they fit."""
    cats: list[str] = []
    for c in data.get("categories", []) or ["other"]:
        code = str(c).lower() if str(c).lower() in _CODES else "other"
        if code not in cats:
            cats.append(code)
    quals = [LegalQualification.from_json(q) for q in data.get("qualifications", [])]
    per_act: dict[str, list[LegalQualification]] = {c: [] for c in cats}
    for q in quals:
        spec = qualification(q.code)
        fits = [c for c in cats if spec is not None and c in spec.categories]
        for c in fits or cats[:1]:  # a qualification that fits no act stays on the first
            per_act[c].append(q)
    acts = [Act(c, tuple(per_act[c])) for c in cats]
    return Event(
        rid,
        str(data.get("text", "")),
        str(data.get("when", "")),
        str(data.get("where", "")),
        tuple(acts),
        (str(data["source_id"]),) if data.get("source_id") else (),
        tuple(str(a["sha256"]) for a in data.get("attachments", []) if "sha256" in a),
    )
