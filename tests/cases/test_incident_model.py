"""The pure incident model (evidence/incident.py): round trips, strict parsing, support."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tysha.errors import ProtocolError
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

R1, R2, R3 = "aa11bb22cc33", "dd44ee55ff66", "0011223344ff"


def _incident() -> Incident:
    act = IncidentAct(
        "a1b2c3d4",
        "chd",
        TimeRange("2026-03-01T08:00Z", "2026-03-01T11:30Z"),
        Place("Melitopol", 46_848_000, 35_367_000, 5000),
        Victims(3, True, (ProtectedVictim("child", "female", "Olena, 9"),
                          ProtectedVictim("adult", "male"))),
        (Perpetrator("unit 12345", "Z on the sleeve", "white Ural trucks", "captain"),),
        (R1, R2),
        (LegalQualification("RS 8(2)(a)(vii)", "medium", "analyst A", "2026-03-05"),),
    )  # fmt: skip
    return Incident("feed0001", "Children taken from school 4", "2026-03-02T10:00:00Z",
                    (R1, R2, R3), (act,))  # fmt: skip


def test_round_trip_with_protected_details() -> None:
    inc = _incident()
    obj = json.loads(json.dumps(inc.to_json(protected=True)))
    assert Incident.from_json(obj) == inc


def test_without_protected_details_nothing_identifying_remains() -> None:
    inc = _incident()
    text = json.dumps(inc.to_json(), ensure_ascii=False)
    assert "Olena" not in text and "female" not in text and "protected" not in text
    back = Incident.from_json(json.loads(text))
    # Counted and flagged still: the count and the children flag are not protected.
    assert back.acts[0].victims.count == 3 and back.acts[0].victims.children
    assert back.acts[0].victims.protected == ()
    assert back.children


def test_qualifications_attach_to_acts_and_keep_the_category() -> None:
    act = _incident().acts[0]
    q = LegalQualification("RS 6(e)", "low", "analyst B", "2026-03-06")
    act2 = act.qualified(q)
    assert act2.category == "chd"
    assert [x.code for x in act2.qualifications] == ["RS 8(2)(a)(vii)", "RS 6(e)"]
    again = act2.qualified(LegalQualification("RS 6(e)", "high", "analyst B", "2026-03-07"))
    assert [x.confidence for x in again.qualifications] == ["medium", "high"]
    assert act2.unqualified("RS 6(e)") == act
    with pytest.raises(ProtocolError):
        act.unqualified("RS 7(1)(g)")


def test_edit_act_in_place_and_attach() -> None:
    inc = _incident()
    act = inc.acts[0]
    edited = IncidentAct(act.id, "dep", act.when, act.place, act.victims, (), (R1,))
    inc2 = inc.with_act(edited).attach(["abcdef012345", R1])
    assert inc2.acts == (edited,)
    assert inc2.reports == (R1, R2, R3, "abcdef012345")


def _mutations() -> list[tuple[str, Any]]:
    def base() -> dict[str, Any]:
        return _incident().to_json(protected=True)

    cases: list[tuple[str, Any]] = [("not a map", [])]

    def put(name: str, path: list[Any], value: Any) -> None:
        obj = base()
        cur: Any = obj
        for k in path[:-1]:
            cur = cur[k]
        cur[path[-1]] = value
        cases.append((name, obj))

    put("title empty", ["title"], "  ")
    put("title not text", ["title"], 7)
    put("bad id", ["id"], "../etc")
    put("unknown category", ["acts", 0, "category"], "genocide")
    put("count is bool", ["acts", 0, "victims", "count"], True)
    put("count negative", ["acts", 0, "victims", "count"], -1)
    put("count float", ["acts", 0, "victims", "count"], 2.5)
    put("child without flag", ["acts", 0, "victims", "children"], False)
    put("children not bool", ["acts", 0, "victims", "children"], "yes")
    put("bad sex", ["acts", 0, "victims", "protected", 0, "sex"], "f")
    put("latitude out of range", ["acts", 0, "place", "lat_e6"], 91_000_000)
    put("latitude float", ["acts", 0, "place", "lat_e6"], 46.8)
    put("lat without lon", ["acts", 0, "place", "lon_e6"], None)
    put("no precision", ["acts", 0, "place", "precision_m"], 0)
    put("time not a time", ["acts", 0, "when", "start"], "yesterday")
    put("end before start", ["acts", 0, "when", "end"], "2026-02-01")
    put("act cites foreign report", ["acts", 0, "reports"], ["999999999999"])
    put("report id not hex", ["reports"], ["<script>"])
    put("bad qualification", ["acts", 0, "qualifications", 0, "code"], "RS 99")
    put("qualification not a map", ["acts", 0, "qualifications"], ["x"])
    put("perpetrator not a map", ["acts", 0, "perpetrators"], ["unit 1"])
    put("huge text", ["acts", 0, "perpetrators", 0, "unit"], "x" * 5000)
    put("NUL", ["title"], "a\x00b")
    put("too many victims records", ["acts", 0, "victims", "count"], 1)
    obj = base()
    obj["acts"].append(obj["acts"][0])
    cases.append(("duplicate act id", obj))
    return cases


@pytest.mark.parametrize(("name", "obj"), _mutations(), ids=[n for n, _ in _mutations()])
def test_hostile_json_raises_only_protocol_error(name: str, obj: Any) -> None:
    with pytest.raises(ProtocolError):
        Incident.from_json(obj)


def test_support_counts_independent_source_keys() -> None:
    keys = {"r1": "key-A", "r2": "key-A", "r3": "key-B", "r4": None}
    s = support(["r1", "r2", "r3", "r4", "r1"], keys)
    assert (s.reports, s.independent_sources, s.unattributed) == (4, 2, 1)
    # A report whose key is unknown never inflates independence.
    assert support(["r4", "r5"], keys).independent_sources == 0
