"""Incidents at the desk: sealed storage, custody, support counts, the CLI, the analyst role."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tysha.desk.service import Desk
from tysha.errors import BadInput, NotAllowed, NotFound

from .helpers import PASS, add_report, make_desk

CHILD = {"age_group": "child", "sex": "female", "note": "Olena Kovalenko, 9"}


def _case(tmp_path: Path) -> tuple[Desk, str, list[str]]:
    desk = make_desk(tmp_path)
    rids = [add_report(desk, "key-A", trusted=True), add_report(desk, "key-A", trusted=True),
            add_report(desk, "key-B", trusted=True), add_report(desk, None)]  # fmt: skip
    iid = desk.create_incident("School 4", rids[:2], "handler H")
    return desk, iid, rids


def test_create_attach_and_count_independent_sources(tmp_path: Path) -> None:
    desk, iid, rids = _case(tmp_path)
    [s] = desk.incidents()
    assert (s["reports"], s["independent_sources"]) == (rids[:2], 1)
    desk.attach_reports(iid, [rids[2][:6], rids[3]], "handler H")  # a prefix resolves
    [s] = desk.incidents()
    assert s["reports"] == rids
    assert s["independent_sources"] == 2 and s["unattributed_reports"] == 1
    assert s["flagged_reports"] == 1  # no key known: "unknown sender", counted apart
    assert {e["action"] for e in desk.custody()} >= {"incident-created", "incident-attached"}


def test_acts_are_added_edited_qualified_and_protected_details_stay_sealed(
    tmp_path: Path,
) -> None:
    desk, iid, rids = _case(tmp_path)
    fields = {"category": "chd", "start": "2026-03-01", "place": "Melitopol", "lat": "46.848",
              "lon": "35.367", "precision_m": "5000", "victims": "2", "unit": "unit 12345",
              "reports": rids[:1], "protected": [CHILD]}  # fmt: skip
    act = desk.add_act(iid, fields, "handler H")
    desk.qualify_act(iid, act, "RS 8(2)(a)(vii)", "medium", "analyst A")
    desk.add_act(iid, {**fields, "victims": "4"}, "handler H", act_id=act)
    inc = desk.incident(iid)
    [a] = inc.acts
    assert a.victims.count == 4 and a.victims.children  # a child implies the flag
    assert (a.place.lat_e6, a.place.lon_e6) == (46_848_000, 35_367_000)
    assert [q.code for q in a.qualifications] == ["RS 8(2)(a)(vii)"]  # an edit keeps them
    assert a.victims.protected[0].note == "Olena Kovalenko, 9"
    # Not in the summary, not in custody, not in clear anywhere in the desk folder.
    assert "Olena" not in json.dumps(desk.incidents(), ensure_ascii=False)
    assert "Olena" not in json.dumps(desk.custody(), ensure_ascii=False)
    desk.close()
    for p in (tmp_path / "desk").rglob("*"):
        if p.is_file():
            assert b"Olena" not in p.read_bytes() and b"Melitopol" not in p.read_bytes(), p


def test_protected_details_leave_only_with_a_recorded_decision(tmp_path: Path) -> None:
    desk, iid, rids = _case(tmp_path)
    desk.add_act(iid, {"category": "chd", "victims": "1", "protected": [CHILD]}, "H")
    with pytest.raises(BadInput):
        desk.release_protected(iid, "H", "", "court request")
    assert not [e for e in desk.custody() if e["action"] == "protected-released"]
    out = desk.release_protected(iid, "H", "ICC OTP", "court request 17")
    assert out["acts"][0]["victims"]["protected"][0]["note"] == "Olena Kovalenko, 9"
    [ev] = [e for e in desk.custody() if e["action"] == "protected-released"]
    assert ev["detail"] == {"incident": iid, "reviewer": "H", "recipient": "ICC OTP",
                            "reason": "court request 17"}  # fmt: skip


@pytest.mark.parametrize(
    "fields",
    [
        {"category": "nope"},
        {"category": "det", "victims": "many"},
        {"category": "det", "victims": "-3"},
        {"category": "det", "lat": "91", "lon": "30"},
        {"category": "det", "lat": "46.1"},
        {"category": "det", "lat": "4e1", "lon": "30"},
        {"category": "det", "lat": "4²", "lon": "30"},  # a digit to isdigit(), not to int()
        {"category": "det", "start": "last week"},
        {"category": "det", "reports": ["abcdefabcdef"]},  # not a report of the incident
        {"category": "det", "protected": [{"age_group": "toddler"}]},
    ],
)
def test_bad_act_input_is_refused_and_changes_nothing(tmp_path: Path, fields: Any) -> None:
    desk, iid, _ = _case(tmp_path)
    before = (desk.incident(iid), len(desk.custody()))
    with pytest.raises(BadInput):
        desk.add_act(iid, fields, "H")
    assert (desk.incident(iid), len(desk.custody())) == before


def test_unknown_things_are_not_found(tmp_path: Path) -> None:
    desk, iid, rids = _case(tmp_path)
    with pytest.raises(NotFound):
        desk.create_incident("x", ["ffffffffffff"], "H")
    with pytest.raises(NotFound):
        desk.attach_reports("0000000000000000", rids[:1], "H")
    with pytest.raises(NotFound):
        desk.add_act(iid, {"category": "det"}, "H", act_id="abcdef")
    with pytest.raises(BadInput):
        desk.create_incident("  ", rids[:1], "H")
    with pytest.raises(BadInput):
        desk.create_incident("no reports", [], "H")


def test_cli_incidents_json(tmp_path: Path, cli: Any) -> None:
    desk, iid, rids = _case(tmp_path)
    desk.add_act(iid, {"category": "det", "victims": "1", "protected": [CHILD]}, "H")
    desk.close()
    env = {"TYSHA_PASSPHRASE": PASS}
    r = cli("desk", "incidents", "--desk", tmp_path / "desk", "--json", env=env)
    [inc] = json.loads(r.stdout)
    assert {"id", "title", "acts", "reports", "independent_sources"} <= set(inc)
    assert inc["id"] == iid and inc["independent_sources"] == 1 and "Olena" not in r.stdout
    r = cli("desk", "incidents", "--desk", tmp_path / "desk", "--create", "Second", rids[2],
            "--json", env=env)  # fmt: skip
    new = json.loads(r.stdout)["id"]
    r = cli("desk", "incidents", "--desk", tmp_path / "desk", env=env)
    assert "supported by 1 report from 1 independent source" in r.stdout and new in r.stdout
    r = cli("desk", "incidents", "--desk", tmp_path / "desk", "--create", "x", "ffffffffffff",
            env=env, check=False)  # fmt: skip
    assert r.returncode == 1 and "Traceback" not in r.stderr and "no report" in r.stderr


def test_analyst_desk_has_no_sources_replies_or_invitations(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, "analyst")
    rid = add_report(desk, "opaque-label-1", trusted=True)
    for call in (
        desk.sources,
        lambda: desk.source("Source 1"),
        lambda: desk.revoke("Source 1"),
        lambda: desk.restore("Source 1"),
        lambda: desk.set_real_name("Source 1", "x"),
        lambda: desk.reply(rid, "hello"),
        lambda: desk.invite("http://127.0.0.1:1", "k"),
        desk.invitations,
    ):
        with pytest.raises(NotAllowed):
            call()
    # The analyst's own work goes on: incidents and qualifications.
    iid = desk.create_incident("Case", [rid], "analyst A")
    act = desk.add_act(iid, {"category": "det", "reports": [rid]}, "analyst A")
    desk.qualify_act(iid, act, "RS 7(1)(e)", "low", "analyst A")
    assert desk.incidents()[0]["independent_sources"] == 1
