"""The escrow desk counts cells (issue 12): a report names the handler desk it is for (the
manifest's signed ``to``), and for reports from before that, the cell of a source can be recorded
at the escrow desk (the handlers say so out of band); an incident there reads "K source keys,
not vouched for (…) · N cells, as the sources say or as recorded here" (tests/cases/test_escrow_support.py).
Handler and analyst desks have no cells. In-process web."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tysha.desk.web.app import create_app
from tysha.errors import BadInput, NotAllowed, TyshaError
from tysha.protocol import Identity

from .helpers import PASS, add_report, escrow_report, make_desk

BASE = "http://127.0.0.1:8090"


def test_reports_name_their_cell_and_recorded_cells_cover_older_ones(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, "escrow")
    cell_a, cell_b = (Identity.generate(os.urandom).public().fingerprint() for _ in range(2))
    idents = [Identity.generate(os.urandom) for _ in range(4)]
    r1, _ = escrow_report(desk, idents[0], to=cell_a)
    r2, _ = escrow_report(desk, idents[1], to=cell_a)
    r3, _ = escrow_report(desk, idents[2], to=cell_b)
    r4, s4 = escrow_report(desk, idents[3])  # an older source: no `to` in its report
    iid = desk.create_incident("Tokmak", [r1, r2], "E")
    assert desk.incident_cells(iid) == 1  # two sources, one handler desk: one cell
    desk.attach_reports(iid, [r3], "E")
    assert desk.incident_cells(iid) == 2
    desk.attach_reports(iid, [r4], "E")
    assert desk.incident_cells(iid) == 2  # no `to` and no recorded cell: adds none
    desk.set_cell(s4, "Cell C")
    assert desk.incident_cells(iid) == 3
    desk.close()


def test_escrow_desk_counts_the_cells_of_an_incident(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, "escrow")
    idents = [Identity.generate(os.urandom) for _ in range(3)]
    (r1, s1), (r2, s2), (r3, s3) = (escrow_report(desk, i) for i in idents)
    r4 = add_report(desk, None, when="2026-03-01")  # no source known: no cell either
    desk.set_cell(s1, "Cell A")
    desk.set_cell(s2, "  Cell   A ")  # the same cell, however it is typed
    desk.set_cell(s3, "Cell B")
    assert desk.cells() == {s1: "Cell A", s2: "Cell A", s3: "Cell B"}
    iid = desk.create_incident("Tokmak", [r1, r2, r4], "E")
    assert desk.incident_cells(iid) == 1
    assert desk.incident_summary(iid)["independent_sources"] == 2
    desk.attach_reports(iid, [r3], "E")
    assert desk.incident_cells(iid) == 2
    events = [e for e in desk.custody() if e["action"] == "cell-assigned"]
    assert len(events) == 3
    assert all(idents[0].public().to_text() not in str(e) for e in events)  # ids, not keys
    before = len(desk.custody())
    with pytest.raises(BadInput):
        desk.set_cell(s1, "   ")
    with pytest.raises(TyshaError):
        desk.set_cell("no such source", "Cell A")
    assert len(desk.custody()) == before and desk.cells()[s1] == "Cell A"
    desk.close()

    c = TestClient(create_app(tmp_path / "desk", port=8090), base_url=BASE)
    with c:
        c.post("/login", data={"passphrase": PASS})
        page = c.get("/sources").text
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        assert page.count('action="/sources/cell"') == 3 and 'value="Cell B"' in page
        assert c.post("/sources/cell", data={"csrf": "forged", "source": s3,
                                             "cell": "Cell C"}).status_code == 403  # fmt: skip
        r = c.post("/sources/cell", data={"csrf": token, "source": s3, "cell": "Cell C"})
        assert r.status_code == 200 and 'value="Cell C"' in r.text
        assert c.post("/sources/cell", data={"csrf": token, "source": s3,
                                             "cell": ""}).status_code == 400  # fmt: skip
        page = c.get(f"/incident/{iid}").text
        # r4 has no known source: flagged, so 3 unflagged keys (and no cell of its own).
        assert "from 3 unflagged source keys, not vouched for" in page
        assert "2 cells, as the sources say or as recorded here" in page


@pytest.mark.parametrize("role", ["handler", "analyst"])
def test_other_desks_have_no_cells(tmp_path: Path, role: str) -> None:
    desk = make_desk(tmp_path, role)
    rid = add_report(desk, "k1", when="2026-03-01")
    iid = desk.create_incident("x", [rid], "H")
    with pytest.raises(NotAllowed):
        desk.set_cell("anything", "Cell A")
    assert desk.incident_cells(iid) is None and desk.cells() == {}
    desk.close()
    c = TestClient(create_app(tmp_path / "desk", port=8090), base_url=BASE)
    with c:
        c.post("/login", data={"passphrase": PASS})
        page = c.get(f"/incident/{iid}").text
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        assert " cells" not in page
        r = c.post("/sources/cell", data={"csrf": token, "source": "x", "cell": "A"})
        assert r.status_code == 403
