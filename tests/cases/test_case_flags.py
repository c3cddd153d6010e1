"""A flag is shown wherever the item is, and what the case pages say is true (review of the
case lists): the map (its list and its Leaflet data), the suggestions (web and CLI) and the
incidents (list, page, CLI, JSON) show a flagged report's flags as the inbox does, and an
incident's "independent sources" count only trusted (unflagged) reports' sources."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tysha.desk.service import Desk
from tysha.desk.store import now_iso
from tysha.desk.web.app import create_app
from tysha.evidence.incident import support
from tysha.protocol import Identity

from .helpers import PASS, add_report, make_desk
from .photos import encode, scene, variants

BASE = "http://127.0.0.1:8090"
BADGE = 'class="badge bad flag"'
UNKNOWN = '<span class="badge bad flag" title="The sender&#39;s key was never enrolled at this desk.">unknown sender</span>'  # noqa: E501


def _client(desk_dir: Path) -> TestClient:
    c = TestClient(create_app(desk_dir, port=8090), base_url=BASE)
    c.__enter__()
    assert c.post("/login", data={"passphrase": PASS}, follow_redirects=False).status_code == 303
    return c


def _rows(html: str, rid: str) -> list[str]:
    """The table rows and list items that name a report."""
    return [m for m in re.findall(r"<(?:tr|li)\b[^>]*>.*?</(?:tr|li)>", html, re.S) if rid in m]


@pytest.fixture
def flagged_desk(tmp_path: Path) -> dict[str, Any]:
    """A trusted report and a near-duplicate from a throwaway key, both with GPS; and three
    throwaway keys' reports, an incident of their own with a located act."""
    desk = make_desk(tmp_path)
    a = scene(11)
    good = add_report(desk, "enrolled", when="2026-03-01T08:00:00Z", where="Vasylivka",
                      gps=(47_440_000, 35_280_000), photos=(encode(a),), trusted=True)  # fmt: skip
    bad = add_report(desk, "throwaway", when="2026-03-01T09:30:00Z", where="Vasylivka",
                     gps=(47_441_000, 35_281_000), photos=(variants(a)["resized"],))  # fmt: skip
    column = [add_report(desk, f"throwaway-key-{n}", where="Tokmak") for n in range(3)]
    iid = desk.create_incident("Column", column, "H")
    desk.add_act(iid, {"category": "det", "place": "Tokmak", "lat": "47.25", "lon": "35.7",
                       "precision_m": "3000", "reports": column[:2]}, "H")  # fmt: skip
    desk.update_media_index()
    assert desk.report(good).flags == [] and desk.report(bad).flag_codes == [
        "unenrolled-source", "receipt-unverified"]  # fmt: skip
    desk.close()
    return {"dir": tmp_path / "desk", "good": good, "bad": bad, "column": column, "iid": iid}


def test_support_counts_only_unflagged_reports_as_independent_sources() -> None:
    keys = {"r1": "key-A", "r2": "key-B", "r3": "key-C", "r4": "key-A", "r5": None}
    s = support(["r1", "r2", "r3", "r4", "r5"], keys, flagged={"r2", "r3", "r4", "r5"})
    assert (s.reports, s.independent_sources, s.unattributed, s.flagged) == (5, 1, 1, 4)
    # Every report from a throwaway key: reports, all flagged, no independent source.
    s = support(["r2", "r3"], keys, flagged={"r2", "r3"})
    assert (s.reports, s.independent_sources, s.flagged) == (2, 0, 2)


def test_incident_support_excludes_flagged_reports(flagged_desk: dict[str, Any]) -> None:
    desk = Desk.open(flagged_desk["dir"], PASS)
    [s] = desk.incidents()
    assert s["independent_sources"] == 0 and s["flagged_reports"] == 3
    assert s["flag_codes"] == ["unenrolled-source", "receipt-unverified"]
    desk.attach_reports(flagged_desk["iid"], [flagged_desk["good"]], "H")
    s = desk.incident_summary(flagged_desk["iid"])
    assert (len(s["reports"]), s["independent_sources"], s["flagged_reports"]) == (4, 1, 3)
    desk.close()


def test_incidents_show_flags_and_a_true_count_on_the_web(flagged_desk: dict[str, Any]) -> None:
    c = _client(flagged_desk["dir"])
    iid = flagged_desk["iid"]
    [row] = re.findall(r'<tr><td><a href="/incident/.*?</tr>', c.get("/incidents").text, re.S)
    text = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    assert "supported by 3 reports (3 flagged) from 0 independent trusted sources" in text
    assert "3 independent sources" not in text and UNKNOWN in row
    page = c.get(f"/incident/{iid}").text
    assert "supported by 3 reports (3 flagged) from 0 independent trusted sources" in page
    for rid in flagged_desk["column"]:
        rows = _rows(page, rid)
        assert rows and all(BADGE in r for r in rows)
        # The act form's list of supporting reports names each one with its flags too.
        [label] = re.findall(rf'<label class="check"><input type="checkbox" name="reports" value="{rid}".*?</label>',
                             page, re.S)  # fmt: skip
        assert UNKNOWN in label
    c.__exit__(None, None, None)


def test_cli_incidents_say_the_same(flagged_desk: dict[str, Any], cli: Any) -> None:
    env = {"TYSHA_PASSPHRASE": PASS}
    r = cli("desk", "incidents", "--desk", flagged_desk["dir"], env=env)
    assert ("supported by 3 reports (3 flagged) from 0 independent trusted sources "
            "(flagged: unenrolled-source,receipt-unverified)") in r.stdout  # fmt: skip
    [inc] = json.loads(cli("desk", "incidents", "--desk", flagged_desk["dir"], "--json",
                           env=env).stdout)  # fmt: skip
    assert (inc["independent_sources"], inc["flagged_reports"]) == (0, 3)
    assert inc["flag_codes"] == ["unenrolled-source", "receipt-unverified"]


def test_map_lists_flags_in_the_list_and_the_leaflet_data(flagged_desk: dict[str, Any]) -> None:
    c = _client(flagged_desk["dir"])
    html = c.get("/map").text
    good, bad = flagged_desk["good"], flagged_desk["bad"]
    [bad_row] = [r for r in _rows(html, bad) if r.startswith("<tr")]
    [good_row] = [r for r in _rows(html, good) if r.startswith("<tr")]
    assert UNKNOWN in bad_row and BADGE not in good_row
    [act_row] = [r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if "/incident/" in r]
    assert UNKNOWN in act_row and "(2 flagged)" in act_row  # the act's two supporting reports
    data = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S)
    assert data is not None
    points = {p["id"]: p for p in json.loads(data.group(1))["points"]}
    assert [f["code"] for f in points[bad]["flags"]] == ["unenrolled-source", "receipt-unverified"]
    assert points[bad]["flags"][0]["label"] == "unknown sender"
    assert points[good]["flags"] == [] and points[good]["flagged"] == 0
    assert points[flagged_desk["iid"]]["flagged"] == 2
    # In Ukrainian, the labels the map script shows are translated.
    uk = c.get("/map?lang=uk").text
    assert "невідомий відправник" in uk
    c.__exit__(None, None, None)


def test_suggestions_show_flags_on_the_web_and_the_cli(
    flagged_desk: dict[str, Any], cli: Any
) -> None:
    good, bad = flagged_desk["good"], flagged_desk["bad"]
    c = _client(flagged_desk["dir"])
    html = c.get("/suggestions").text
    rows = [r for r in _rows(html, bad) if "near-duplicate" in r]
    assert rows
    for row in rows:
        cell = re.search(r"<td>(<a href=\"/report/.*?)</td>", row, re.S)
        assert cell is not None
        after_bad = cell.group(1).split(f"<code>{bad}</code></a>", 1)[1].split("<a ", 1)[0]
        after_good = cell.group(1).split(f"<code>{good}</code></a>", 1)[1].split("<a ", 1)[0]
        assert UNKNOWN in after_bad and BADGE not in after_good
    c.__exit__(None, None, None)
    env = {"TYSHA_PASSPHRASE": PASS}
    r = cli("desk", "corroborate", "--desk", flagged_desk["dir"], "--no-update", env=env)
    line = next(ln for ln in r.stdout.splitlines() if "near-duplicate" in ln)
    assert f"{bad} (flagged: unenrolled-source,receipt-unverified)" in line
    assert f"{good} (flagged" not in line
    out = json.loads(cli("desk", "corroborate", "--desk", flagged_desk["dir"], "--no-update",
                         "--json", env=env).stdout)  # fmt: skip
    [near] = out["near_duplicates"]
    assert near["flags"] == {bad: ["unenrolled-source", "receipt-unverified"]}


def test_escrow_cells_count_only_trusted_reports(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, "escrow")
    ids = []
    for n, receipt in enumerate((True, False)):
        ident = Identity.generate(os.urandom)
        src = desk.store.source_for(ident.public(), None)
        assert src is not None
        data = {"categories": ["det"], "text": "seen", "when": "2026-03-01", "where": "Tokmak",
                "received_at": now_iso(), "attachments": [], "source_id": src.id,
                "source_key": ident.public().to_text(), "source": src.pseudonym,
                "receipt_verified": receipt, "to": f"handler-{n}"}  # fmt: skip
        ids.append(desk.store.add_report(os.urandom(32), data))
    iid = desk.create_incident("Tokmak", ids, "E")
    # The second report's receipt does not verify: neither a source nor a cell.
    assert desk.incident_cells(iid) == 1
    assert desk.incident_summary(iid)["independent_sources"] == 1
    desk.close()


@pytest.mark.parametrize("role", ["handler", "escrow"])
def test_one_report_and_one_source_are_said_in_the_singular(
    tmp_path: Path, cli: Any, role: str
) -> None:
    """The support line counts reports, sources and cells with their plural rules (English
    said "supported by 1 reports from 1 independent sources" and "1 independent trusted
    sources"), on the web pages and in ``desk incidents``; the other languages say the same
    as before. On the escrow desk the count is of source keys nobody vouched for
    (tests/cases/test_escrow_support.py), with its own singular."""
    note = "not vouched for (the escrow desk enrols no one; one sender can make many keys)"
    if role == "handler":
        one = "supported by 1 report from 1 independent source"
        one_uk = "підтверджено повідомленнями: 1, незалежних джерел: 1"
        two = "supported by 2 reports (1 flagged) from 1 independent trusted source"
        two_uk = "підтверджено повідомленнями: 2 (з позначками: 1), незалежних довірених джерел: 1"
    else:
        one = "supported by 1 report from 1 source key, " + note
        one_uk = "підтверджено повідомленнями: 1, ключів джерел: 1, ніхто за них не поручився"
        two = "supported by 2 reports (1 flagged) from 1 unflagged source key, " + note
        two_uk = ("підтверджено повідомленнями: 2 (з позначками: 1), ключів джерел без позначок: "
                  "1, ніхто за них не поручився")  # fmt: skip
    desk = make_desk(tmp_path, role)
    good = add_report(desk, "enrolled", trusted=True)
    desk.store._update_report(good, {**desk.store.get_report(good).data, "to": "1" * 35})
    bad = add_report(desk, None)
    iid = desk.create_incident("Column", [good], "H")
    desk.close()
    env = {"TYSHA_PASSPHRASE": PASS}
    c = _client(tmp_path / "desk")
    assert one in c.get("/incidents").text and one in c.get(f"/incident/{iid}").text
    if role == "escrow":
        assert "1 cell, as the sources say or as recorded here" in c.get(f"/incident/{iid}").text
    assert one in cli("desk", "incidents", "--desk", tmp_path / "desk", env=env).stdout
    uk = c.get(f"/incident/{iid}?lang=uk").text
    assert one_uk in uk
    if role == "escrow":
        assert "осередків: 1, як кажуть джерела або як записано тут" in uk
    c.get("/incidents?lang=en")
    c.__exit__(None, None, None)
    desk = Desk.open(tmp_path / "desk", PASS)
    desk.attach_reports(iid, [bad], "H")
    desk.close()
    c = _client(tmp_path / "desk")
    assert two in c.get(f"/incident/{iid}").text
    c.__exit__(None, None, None)
    out = cli("desk", "incidents", "--desk", tmp_path / "desk", env=env).stdout
    assert two + " (flagged: " in out
    uk = cli("desk", "incidents", "--desk", tmp_path / "desk", env={**env, "TYSHA_LANG": "uk"})
    assert two_uk in uk.stdout


def test_an_act_resting_on_flagged_reports_is_flagged_on_the_incident_page_and_timeline(
    tmp_path: Path,
) -> None:
    """An act shows the flags of its flagged supporting reports wherever it is listed, as the
    map already did: on the incident page's acts table (where it is qualified) and on the
    timeline. Before, an act supported only by a throwaway key's report read clean in both;
    an act resting on a trusted report still carries no badge."""
    desk = make_desk(tmp_path)
    good = add_report(desk, "enrolled", when="2026-03-01T08:00:00Z", trusted=True)
    bad = add_report(desk, "throwaway", when="2026-03-01T09:00:00Z")
    iid = desk.create_incident("Raid", [good, bad], "H")
    clean = desk.add_act(iid, {"category": "det", "start": "2026-03-01T08:00:00Z",
                               "place": "Vasylivka", "reports": [good]}, "H")  # fmt: skip
    shaky = desk.add_act(iid, {"category": "tor", "start": "2026-03-01T09:00:00Z",
                               "place": "Tokmak", "reports": [bad]}, "H")  # fmt: skip
    desk.close()
    c = _client(tmp_path / "desk")
    page = c.get(f"/incident/{iid}").text
    [clean_row] = re.findall(rf'<tr><td>(?:(?!</tr>).)*?\?act={clean}.*?</tr>', page, re.S)
    [shaky_row] = re.findall(rf'<tr><td>(?:(?!</tr>).)*?\?act={shaky}.*?</tr>', page, re.S)
    assert UNKNOWN in shaky_row and BADGE not in clean_row
    items = re.findall(r"<li>.*?</li>", c.get("/timeline").text.split('<ol class="timeline">')[1],
                       re.S)  # fmt: skip
    acts = [li for li in items if f'href="/incident/{iid}"' in li]
    assert len(acts) == 2
    by_place = {("Tokmak" if "09:00" in li else "Vasylivka"): li for li in acts}
    assert UNKNOWN in by_place["Tokmak"] and BADGE not in by_place["Vasylivka"]
    c.__exit__(None, None, None)
