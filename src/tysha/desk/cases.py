"""Cases at the desk: incidents built from reports, their acts, their support (issue 12).

The model is pure (:mod:`tysha.evidence.incident`); this module is what a person can do with
it on an unlocked desk, for every face (CLI, web) through :class:`~tysha.desk.service.Desk`:
each change is validated (bad input → :class:`~tysha.errors.BadInput`, nothing stored), sealed
in the ``incidents`` table and recorded in the custody log *without* protected details.
Protected details (victims' age group, sex, notes) leave only through :func:`release_protected`,
which writes the decision — who, why, to whom — into custody first.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from tysha.desk.store import DeskStore, now_iso
from tysha.desk.views import FLAG_REASONS, Flag, report_views, shared_key
from tysha.errors import BadInput, NotFound, ProtocolError
from tysha.evidence.incident import (
    Incident,
    IncidentAct,
    Perpetrator,
    Place,
    ProtectedVictim,
    TimeRange,
    Victims,
    support,
)
from tysha.evidence.report import LegalQualification

__all__ = [
    "act_flags",
    "act_from_fields",
    "add_act",
    "attach_reports",
    "create_incident",
    "incident_summary",
    "places",
    "qualify_act",
    "release_protected",
    "report_flags",
    "source_keys",
]


def _bad(exc: ProtocolError) -> BadInput:
    return BadInput(exc.message if hasattr(exc, "message") else str(exc))


def _check_reports(store: DeskStore, ids: Iterable[str]) -> list[str]:
    known = set(store.report_ids())
    out = list(dict.fromkeys(ids))
    for rid in out:
        if rid not in known:
            raise NotFound(f"no report {rid!r}")
    return out


def source_keys(store: DeskStore, ids: Iterable[str]) -> dict[str, str | None]:
    """Each report's source key (the key that sealed it), the basis of independence."""
    out: dict[str, str | None] = {}
    for rid in ids:
        try:
            data = store.get_report(rid).data
            key = data.get("source_key")
            label = data.get("source_label")
            if not key and isinstance(label, str) and label:
                # On an analyst desk a share's opaque label stands for the source
                # (desk/share.py), but only at the handler desk that made it: two handlers'
                # labels may be the same (copied, or made to collide) for different sources.
                key = shared_key(data.get("shared_by"), label)
        except NotFound:
            key = None
        out[rid] = key if isinstance(key, str) and key else None
    return out


def report_flags(store: DeskStore, ids: Iterable[str]) -> dict[str, list[Flag]]:
    """The flags of each flagged report among ``ids`` (the same :class:`ReportView` flags the
    inbox shows, computed now), reading the desk state once; unflagged reports are left out."""
    found = []
    for rid in dict.fromkeys(ids):
        try:
            found.append(store.get_report(rid))
        except NotFound:
            continue
    return {v.id: v.flags for v in report_views(store, found) if v.flags}


def flag_codes(flags: Iterable[Iterable[Flag]]) -> list[str]:
    """The distinct codes of several reports' flags, in the order of ``FLAG_REASONS``."""
    seen = {f.code for fs in flags for f in fs}
    return [code for code in FLAG_REASONS if code in seen]


def distinct_flags(flags: Iterable[Iterable[Flag]]) -> list[Flag]:
    """One flag per code of several reports' flags (:func:`flag_codes`' order), each with the
    reason the reports' views give it (an unpinned handler's share: that, not the code's
    generic reason)."""
    lists = [list(fs) for fs in flags]
    first: dict[str, Flag] = {}
    for fs in lists:
        for f in fs:
            first.setdefault(f.code, f)
    return [first[code] for code in flag_codes(lists)]


def incident_summary(store: DeskStore, inc: Incident) -> dict[str, Any]:
    """What ``desk incidents --json`` prints: no protected details, no source keys.

    ``independent_sources`` counts only unflagged (trusted) reports' sources; the flagged
    supporting reports are counted in ``flagged_reports``, their distinct flag codes in
    ``flag_codes`` (every face shows them beside the count). ``sources_vouched`` is False on
    an escrow desk: it enrols no one (``DeskStore.source_for`` gives every sender key a
    pseudonym), so there the count is of distinct sender keys nobody vouched for, which one
    person holding an invitation can make up at will, and the faces say so instead of
    "independent sources"."""
    flags = report_flags(store, inc.reports)
    s = support(inc.reports, source_keys(store, inc.reports), flags.keys())
    return {
        "id": inc.id,
        "title": inc.title,
        "created_at": inc.created_at,
        "acts": [a.to_json(protected=False) for a in inc.acts],
        "reports": list(inc.reports),
        "independent_sources": s.independent_sources,
        "unattributed_reports": s.unattributed,
        "flagged_reports": s.flagged,
        "flag_codes": flag_codes(flags.values()),
        "sources_vouched": store.role != "escrow",
        "children": inc.children,
    }


def create_incident(store: DeskStore, title: str, reports: Iterable[str], reviewer: str) -> str:
    ids = _check_reports(store, reports)
    if not ids:
        raise BadInput("an incident starts from at least one report")
    try:
        inc = Incident(os.urandom(8).hex(), title.strip(), now_iso(), tuple(ids))
    except ProtocolError as exc:
        raise _bad(exc) from None
    with store.transaction():  # each change and its custody event: one commit
        store.put_incident(inc)
        store.custody("incident-created", None,
                      {"incident": inc.id, "reports": ids, "reviewer": reviewer})  # fmt: skip
    return inc.id


def attach_reports(store: DeskStore, iid: str, reports: Iterable[str], reviewer: str) -> None:
    inc = store.get_incident(iid)
    ids = _check_reports(store, reports)
    with store.transaction():
        store.put_incident(inc.attach(ids))
        store.custody("incident-attached", None,
                      {"incident": iid, "reports": ids, "reviewer": reviewer})  # fmt: skip


def _int_or_none(value: Any, what: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise BadInput(f"{what} is not a whole number") from None


def _micro(value: Any, what: str) -> int | None:
    """Degrees as typed ("47.0951") to integer micro-degrees, without floats."""
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    sign = -1 if text.startswith("-") else 1
    whole, _, frac = text.lstrip("+-").partition(".")
    if not text.isascii() or not whole.isdigit() or (frac and not frac.isdigit()) or len(whole) > 3:
        raise BadInput(f"{what} is not a number of degrees")
    return sign * (int(whole) * 1_000_000 + int((frac + "000000")[:6]))


def act_from_fields(fields: dict[str, Any], act_id: str | None = None) -> IncidentAct:
    """An act from a form or a script: flat, typed-as-text fields; coordinates in degrees.

    Keys: category, start, end, place, lat, lon, precision_m, victims, children,
    unit, insignia, vehicles, rank, reports (list), protected (list of {age_group, sex, note}).
    """
    try:
        count = _int_or_none(fields.get("victims"), "the number of victims") or 0
        protected = tuple(ProtectedVictim.from_json(v) for v in fields.get("protected") or [])
        children = str(fields.get("children", "")).lower() in ("1", "true", "on", "yes")
        children = children or any(v.age_group == "child" for v in protected)
        lat = _micro(fields.get("lat"), "the latitude")
        lon = _micro(fields.get("lon"), "the longitude")
        perp = Perpetrator(*(str(fields.get(k) or "").strip()
                             for k in ("unit", "insignia", "vehicles", "rank")))  # fmt: skip
        return IncidentAct(
            act_id or os.urandom(6).hex(),
            str(fields.get("category") or ""),
            TimeRange(str(fields.get("start") or ""), str(fields.get("end") or "")),
            Place(
                str(fields.get("place") or "").strip(),
                lat,
                lon,
                _int_or_none(fields.get("precision_m"), "the precision")
                or (0 if lat is None else 1000),
            ),  # fmt: skip
            Victims(count, children, protected),
            (perp,) if any(perp.to_json().values()) else (),
            tuple(str(r) for r in fields.get("reports") or []),
        )
    except ProtocolError as exc:
        raise _bad(exc) from None


def add_act(
    store: DeskStore, iid: str, fields: dict[str, Any], reviewer: str, act_id: str | None = None
) -> str:
    """Add an act, or (``act_id``) replace that act's facts, keeping its qualifications."""
    inc = store.get_incident(iid)
    act = act_from_fields(fields, act_id)
    if act_id is not None:
        try:
            old = inc.act(act_id)
        except ProtocolError:
            raise NotFound(f"incident {iid} has no act {act_id!r}") from None
        act = IncidentAct(act.id, act.category, act.when, act.place, act.victims,
                          act.perpetrators, act.reports, old.qualifications)  # fmt: skip
    try:
        new = inc.with_act(act)
    except ProtocolError as exc:
        raise _bad(exc) from None
    with store.transaction():
        store.put_incident(new)
        # Custody says what changed, never who the victims are.
        store.custody("incident-act-edited" if act_id else "incident-act-added", None,
                      {"incident": iid, "act": act.id, "category": act.category,
                       "reviewer": reviewer})  # fmt: skip
    return act.id


def qualify_act(
    store: DeskStore, iid: str, act_id: str, code: str, confidence: str, reviewer: str
) -> None:
    inc = store.get_incident(iid)
    try:
        q = LegalQualification(code, confidence, reviewer, now_iso()[:10])
        act = inc.act(act_id).qualified(q)
    except ProtocolError as exc:
        raise _bad(exc) from None
    with store.transaction():
        store.put_incident(inc.with_act(act))
        store.custody("incident-act-qualified", None,
                      {"incident": iid, "act": act_id, **q.to_json()})  # fmt: skip


def release_protected(
    store: DeskStore, iid: str, reviewer: str, recipient: str, reason: str
) -> dict[str, Any]:
    """The incident with its protected details, for one recipient: the decision (who, to
    whom, why) is in the signed custody log before anything is returned."""
    if not reviewer.strip() or not recipient.strip() or not reason.strip():
        raise BadInput("releasing protected details needs a reviewer, a recipient and a reason")
    inc = store.get_incident(iid)
    store.custody("protected-released", None,
                  {"incident": iid, "reviewer": reviewer, "recipient": recipient,
                   "reason": reason})  # fmt: skip
    return inc.to_json(protected=True)


def act_flags(
    store: DeskStore, incidents: Iterable[Incident]
) -> dict[tuple[str, str], list[Flag]]:
    """(incident id, act id) -> the distinct flags of the act's flagged supporting reports (its
    own reports, else the incident's), as every face that lists an act shows them (the map,
    the incident page, the timeline); an act resting only on unflagged reports maps to []."""
    pairs = [(inc, act) for inc in incidents for act in inc.acts]
    flags = report_flags(store, (r for inc, act in pairs for r in act.reports or inc.reports))
    return {
        (inc.id, act.id): distinct_flags(_supporting(inc, act, flags))
        for inc, act in pairs
    }


def _supporting(inc: Incident, act: Any, flags: dict[str, list[Flag]]) -> list[list[Flag]]:
    """The flags of each flagged report an act rests on (its own reports, else the
    incident's), given every report's flags (:func:`report_flags`)."""
    return [flags[r] for r in dict.fromkeys(act.reports or inc.reports) if r in flags]


def places(store: DeskStore) -> list[dict[str, Any]]:
    """What the map draws: incident acts with coordinates (their precision as given) and
    reports whose photos carry a GPS claim (a device's claim, 50 m: never more precise).

    Each place carries ``flags`` (:class:`~tysha.desk.views.Flag`): a report's own flags; for
    an act, the distinct flags of its flagged supporting reports (``flagged`` says how many)."""
    out: list[dict[str, Any]] = []
    incidents = store.incidents()
    located = [(inc, act) for inc in incidents for act in inc.acts if act.place.located]
    act_flags = report_flags(store, (r for inc, act in located for r in act.reports or inc.reports))
    for inc, act in located:
        flagged = _supporting(inc, act, act_flags)
        out.append({"kind": "act", "id": inc.id, "title": inc.title,
                    "category": act.category, "lat_e6": act.place.lat_e6,
                    "lon_e6": act.place.lon_e6, "precision_m": act.place.precision_m,
                    "reports": len(act.reports or inc.reports),
                    "flags": distinct_flags(flagged),
                    "flagged": len(flagged)})  # fmt: skip
    points: list[dict[str, Any]] = []
    shown = []
    for rid in sorted(store.report_ids()):
        rep = store.get_report(rid)
        d = rep.data
        for a in d.get("attachments", []):
            gps = (a.get("claims") or {}).get("exif_gps")
            if isinstance(gps, list) and len(gps) == 2 and all(type(x) is int for x in gps):
                points.append({"kind": "report", "id": rid, "title": str(d.get("where") or ""),
                               "category": (d.get("categories") or ["other"])[0],
                               "lat_e6": gps[0], "lon_e6": gps[1], "precision_m": 50,
                               "reports": 1})  # fmt: skip
                shown.append(rep)
                break
    for p, v in zip(points, report_views(store, shown), strict=True):
        p["flags"] = v.flags
        p["flagged"] = 1 if v.flags else 0
    return out + points
