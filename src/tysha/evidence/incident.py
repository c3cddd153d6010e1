"""Incidents: the case a documentation team builds from several reports (issue 12).

HURIDOCS "who did what to whom", one level above a single report (:mod:`evidence.report`):

* an :class:`Incident` groups reports and holds :class:`IncidentAct` s;
* an act has a type from ../shared/TAXONOMY.md (what the sources described, in the taxonomy's
  plain-language code), a :class:`TimeRange`, a :class:`Place` (name, optional coordinates in
  integer micro-degrees with an honest precision in metres), :class:`Victims` (counted; the
  protected details — age group, sex — kept apart; children flagged), :class:`Perpetrator` s
  *as described* (unit, insignia, vehicles, rank: linkage evidence, never identities), the
  reports that support it, and the analysts' :class:`~tysha.evidence.report.LegalQualification`
  s — which attach to acts, never to reports, and never replace the category.

Protected details leave the desk only by a recorded decision: :meth:`Incident.to_json` has a
``protected`` switch, and the desk (``desk/cases.py``) writes a custody event whenever it is
turned on for anything that leaves. :func:`support` counts "N reports from K independent
sources" where independent means a different source key, and only unflagged (trusted) reports
count towards K.

Pure: no clock, no I/O, no randomness; ids and dates are passed in. Parsers raise only
:class:`~tysha.errors.ProtocolError`. Coordinates are integers so the canonical JSON of
custody events (no floats) can carry them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from tysha.errors import ProtocolError
from tysha.evidence.report import LegalQualification
from tysha.evidence.taxonomy import CATEGORIES

__all__ = [
    "AGE_GROUPS",
    "SEXES",
    "Incident",
    "IncidentAct",
    "Perpetrator",
    "Place",
    "ProtectedVictim",
    "Support",
    "TimeRange",
    "Victims",
    "support",
]

AGE_GROUPS = ("child", "adult", "elderly", "unknown")
SEXES = ("female", "male", "other", "unknown")
_CODES = frozenset(c.code for c in CATEGORIES)
_ID_RE = re.compile(r"[0-9a-f]{4,64}")
# A day, or a UTC time to the minute or second: what sources and analysts actually know.
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z)?")
_MAX_TEXT = 2000
_MAX_ITEMS = 10_000
_MAX_VICTIMS = 10_000_000


def _obj(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProtocolError(f"{what} is not a map")
    return value


def _text(obj: Mapping[str, Any], key: str, what: str, default: str | None = "") -> str:
    value = obj.get(key, default)
    if value is None or not isinstance(value, str):
        raise ProtocolError(f"{what}: {key} is not text")
    if len(value) > _MAX_TEXT or "\x00" in value:
        raise ProtocolError(f"{what}: {key} is too long or holds a NUL character")
    return value


def _int(obj: Mapping[str, Any], key: str, what: str, lo: int, hi: int) -> int:
    value = obj.get(key)
    # bool is an int in Python; a JSON true is not a count.
    if type(value) is not int or not lo <= value <= hi:
        raise ProtocolError(f"{what}: {key} is not a whole number from {lo} to {hi}")
    return value


def _list(obj: Mapping[str, Any], key: str, what: str) -> list[Any]:
    value = obj.get(key, [])
    if not isinstance(value, list) or len(value) > _MAX_ITEMS:
        raise ProtocolError(f"{what}: {key} is not a list")
    return value


def _ids(values: Iterable[object], what: str) -> tuple[str, ...]:
    out: dict[str, None] = {}  # ordered and O(1) membership: incidents hold 10^4 reports
    for v in values:
        if not isinstance(v, str) or not _ID_RE.fullmatch(v):
            raise ProtocolError(f"{what}: not a report id")
        out[v] = None
    return tuple(out)


def _check_time(value: str, what: str) -> None:
    if value and not _TIME_RE.fullmatch(value):
        raise ProtocolError(f"{what}: not a date (YYYY-MM-DD) or UTC time (…THH:MMZ)")


@dataclass(frozen=True)
class TimeRange:
    """When: ``start`` alone is a moment or a day; with ``end``, the span it happened in."""

    start: str = ""
    end: str = ""

    def __post_init__(self) -> None:
        _check_time(self.start, "time")
        _check_time(self.end, "time")
        if self.end and not self.start:
            raise ProtocolError("time: an end without a start")
        # Same-format strings in ISO order compare as times; a day compares by its prefix.
        if self.end and self.end[: len(self.start)] < self.start[: len(self.end)]:
            raise ProtocolError("time: the end is before the start")

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end}

    @classmethod
    def from_json(cls, obj: object) -> TimeRange:
        o = _obj(obj, "time")
        return cls(_text(o, "start", "time"), _text(o, "end", "time"))


@dataclass(frozen=True)
class Place:
    """Where: a name, and optionally coordinates (micro-degrees) with their precision in
    metres. A city named by a source is a circle of several km, not a pin: the map draws
    ``precision_m`` as it is."""

    name: str = ""
    lat_e6: int | None = None
    lon_e6: int | None = None
    precision_m: int = 0

    def __post_init__(self) -> None:
        if (self.lat_e6 is None) != (self.lon_e6 is None):
            raise ProtocolError("place: latitude and longitude come together")
        if self.lat_e6 is not None and self.lon_e6 is not None:
            if type(self.lat_e6) is not int or not -90_000_000 <= self.lat_e6 <= 90_000_000:
                raise ProtocolError("place: latitude out of range")
            if type(self.lon_e6) is not int or not -180_000_000 <= self.lon_e6 <= 180_000_000:
                raise ProtocolError("place: longitude out of range")
            if type(self.precision_m) is not int or not 1 <= self.precision_m <= 1_000_000:
                raise ProtocolError("place: coordinates need a precision of 1 m to 1000 km")

    @property
    def located(self) -> bool:
        return self.lat_e6 is not None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "lat_e6": self.lat_e6, "lon_e6": self.lon_e6,
                "precision_m": self.precision_m}  # fmt: skip

    @classmethod
    def from_json(cls, obj: object) -> Place:
        o = _obj(obj, "place")
        lat, lon = o.get("lat_e6"), o.get("lon_e6")
        if lat is None and lon is None:
            return cls(_text(o, "name", "place"))
        return cls(
            _text(o, "name", "place"),
            _int(o, "lat_e6", "place", -90_000_000, 90_000_000),
            _int(o, "lon_e6", "place", -180_000_000, 180_000_000),
            _int(o, "precision_m", "place", 1, 1_000_000),
        )


@dataclass(frozen=True)
class ProtectedVictim:
    """A victim's protected details. Never part of what leaves without a custody decision."""

    age_group: str = "unknown"
    sex: str = "unknown"
    note: str = ""  # e.g. a name or a relation, as the handler wrote it

    def __post_init__(self) -> None:
        if self.age_group not in AGE_GROUPS:
            raise ProtocolError(f"victim: age group is one of {', '.join(AGE_GROUPS)}")
        if self.sex not in SEXES:
            raise ProtocolError(f"victim: sex is one of {', '.join(SEXES)}")

    def to_json(self) -> dict[str, Any]:
        return {"age_group": self.age_group, "sex": self.sex, "note": self.note}

    @classmethod
    def from_json(cls, obj: object) -> ProtectedVictim:
        o = _obj(obj, "victim")
        return cls(
            _text(o, "age_group", "victim", "unknown"),
            _text(o, "sex", "victim", "unknown"),
            _text(o, "note", "victim"),
        )


@dataclass(frozen=True)
class Victims:
    """How many, whether children were among them, and (protected) who."""

    count: int = 0
    children: bool = False
    protected: tuple[ProtectedVictim, ...] = ()

    def __post_init__(self) -> None:
        if type(self.count) is not int or not 0 <= self.count <= _MAX_VICTIMS:
            raise ProtocolError("victims: the count is not a whole number")
        if len(self.protected) > self.count:
            raise ProtocolError("victims: more protected records than victims")
        if any(v.age_group == "child" for v in self.protected) and not self.children:
            raise ProtocolError("victims: a child is recorded but the children flag is off")

    def to_json(self, protected: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"count": self.count, "children": self.children}
        if protected:
            out["protected"] = [v.to_json() for v in self.protected]
        return out

    @classmethod
    def from_json(cls, obj: object) -> Victims:
        o = _obj(obj, "victims")
        children = o.get("children", False)
        if type(children) is not bool:
            raise ProtocolError("victims: children is not true or false")
        return cls(
            _int(o, "count", "victims", 0, _MAX_VICTIMS),
            children,
            tuple(ProtectedVictim.from_json(v) for v in _list(o, "protected", "victims")),
        )


@dataclass(frozen=True)
class Perpetrator:
    """A perpetrator as the sources described them: never an identity, always linkage
    evidence (unit, insignia, vehicles, rank; Rome Statute art. 28)."""

    unit: str = ""
    insignia: str = ""
    vehicles: str = ""
    rank: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "insignia": self.insignia, "vehicles": self.vehicles,
                "rank": self.rank}  # fmt: skip

    @classmethod
    def from_json(cls, obj: object) -> Perpetrator:
        o = _obj(obj, "perpetrator")
        return cls(*(_text(o, k, "perpetrator") for k in ("unit", "insignia", "vehicles", "rank")))


@dataclass(frozen=True)
class IncidentAct:
    """What was done: its taxonomy type, when, where, to whom, by whom, which reports say so,
    and the analysts' qualifications of it (kept apart from the type)."""

    id: str
    category: str
    when: TimeRange = TimeRange()
    place: Place = Place()
    victims: Victims = Victims()
    perpetrators: tuple[Perpetrator, ...] = ()
    reports: tuple[str, ...] = ()
    qualifications: tuple[LegalQualification, ...] = ()

    def __post_init__(self) -> None:
        if not _ID_RE.fullmatch(self.id):
            raise ProtocolError("act: malformed id")
        if self.category not in _CODES:
            raise ProtocolError(f"act: unknown category {self.category!r}")

    def qualified(self, q: LegalQualification) -> IncidentAct:
        """Add (or, for the same code, replace) a qualification."""
        keep = tuple(x for x in self.qualifications if x.code != q.code)
        return replace(self, qualifications=(*keep, q))

    def unqualified(self, code: str) -> IncidentAct:
        keep = tuple(x for x in self.qualifications if x.code != code)
        if len(keep) == len(self.qualifications):
            raise ProtocolError(f"act: no qualification {code!r}")
        return replace(self, qualifications=keep)

    def to_json(self, protected: bool = False) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "when": self.when.to_json(),
            "place": self.place.to_json(),
            "victims": self.victims.to_json(protected),
            "perpetrators": [p.to_json() for p in self.perpetrators],
            "reports": list(self.reports),
            "qualifications": [q.to_json() for q in self.qualifications],
        }

    @classmethod
    def from_json(cls, obj: object) -> IncidentAct:
        o = _obj(obj, "act")
        quals = []
        for q in _list(o, "qualifications", "act"):
            quals.append(LegalQualification.from_json(_obj(q, "qualification")))
        return cls(
            _text(o, "id", "act", None),
            _text(o, "category", "act", None),
            TimeRange.from_json(o.get("when", {})),
            Place.from_json(o.get("place", {})),
            Victims.from_json(o.get("victims", {})),
            tuple(Perpetrator.from_json(p) for p in _list(o, "perpetrators", "act")),
            _ids(_list(o, "reports", "act"), "act"),
            tuple(quals),
        )


@dataclass(frozen=True)
class Incident:
    """A group of reports that speak of one event, and the acts the team has built from them."""

    id: str
    title: str
    created_at: str
    reports: tuple[str, ...] = ()
    acts: tuple[IncidentAct, ...] = field(default=())

    def __post_init__(self) -> None:
        if not _ID_RE.fullmatch(self.id):
            raise ProtocolError("incident: malformed id")
        if not self.title.strip() or len(self.title) > _MAX_TEXT:
            raise ProtocolError("incident: a title is needed")
        ids = [a.id for a in self.acts]
        if len(set(ids)) != len(ids):
            raise ProtocolError("incident: two acts share an id")
        # An act's supporting report is a report of the incident: nothing supports an act
        # from outside the case.
        outside = {r for a in self.acts for r in a.reports} - set(self.reports)
        if outside:
            raise ProtocolError("incident: an act cites a report the incident does not hold")

    def act(self, act_id: str) -> IncidentAct:
        for a in self.acts:
            if a.id == act_id:
                return a
        raise ProtocolError(f"incident: no act {act_id!r}")

    def attach(self, reports: Iterable[str]) -> Incident:
        return replace(self, reports=_ids([*self.reports, *reports], "incident"))

    def with_act(self, act: IncidentAct) -> Incident:
        """Add ``act``, or replace the act with its id (an edit)."""
        acts = [a for a in self.acts if a.id != act.id]
        at = next((i for i, a in enumerate(self.acts) if a.id == act.id), len(acts))
        acts.insert(at, act)
        return replace(self, acts=tuple(acts))

    @property
    def children(self) -> bool:
        return any(a.victims.children for a in self.acts)

    def to_json(self, protected: bool = False) -> dict[str, Any]:
        """The incident as JSON. ``protected=True`` includes victims' protected details: only
        for the sealed store, or for an export the desk has recorded a custody decision for."""
        return {
            "id": self.id,
            "title": self.title,
            "created_at": self.created_at,
            "reports": list(self.reports),
            "acts": [a.to_json(protected) for a in self.acts],
        }

    @classmethod
    def from_json(cls, obj: object) -> Incident:
        o = _obj(obj, "incident")
        return cls(
            _text(o, "id", "incident", None),
            _text(o, "title", "incident", None),
            _text(o, "created_at", "incident"),
            _ids(_list(o, "reports", "incident"), "incident"),
            tuple(IncidentAct.from_json(a) for a in _list(o, "acts", "incident")),
        )


@dataclass(frozen=True)
class Support:
    """ "Supported by N reports (F flagged) from K independent trusted sources" (plus U whose
    key is unknown)."""

    reports: int
    independent_sources: int
    unattributed: int = 0
    flagged: int = 0


def support(
    reports: Iterable[str],
    source_key: Mapping[str, str | None],
    flagged: Collection[str] = frozenset(),
) -> Support:
    """Count reports and independent sources: two reports are independent when their sources'
    keys differ. A report whose source key is unknown (not in ``source_key`` or None) is
    counted as a report but never as an extra independent source: independence is claimed
    only where a key proves it. A flagged report (``flagged``: ids of reports that must not be
    taken at face value — an unenrolled or revoked key, a receipt that does not verify…) is
    counted as a report and as flagged, never as an independent source: a throwaway key proves
    nothing about who sent it."""
    ids = list(dict.fromkeys(reports))
    keys = {source_key[r] for r in ids if source_key.get(r) and r not in flagged}
    unknown = sum(1 for r in ids if not source_key.get(r))
    return Support(len(ids), len(keys), unknown, sum(1 for r in ids if r in flagged))
