"""`tysha demo` shows a case at once: two cells (a handler desk each) and the escrow desk,
corroborating sources in both cells, a suggestion, an incident at cell A and at the escrow
desk, whose incident page counts "3 source keys, not vouched for (…) · 2 cells, as the sources
say or as recorded here": the escrow desk enrols no one, so it cannot call them independent
sources."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.testclient import TestClient

from tysha.demo import build
from tysha.desk.service import Desk
from tysha.desk.web.app import create_app


def test_demo_builds_incidents_from_corroborating_sources_in_two_cells(tmp_path: Path) -> None:
    procs: list = []
    try:
        info = build(tmp_path, reports=4, quiet=True, procs=procs)
        desk = Desk.open(Path(info["desk"]), info["desk_passphrase"])
        [inc] = desk.incidents()
        assert len(inc["reports"]) == 2 and inc["independent_sources"] == 2
        assert inc["acts"][0]["category"] == "chd" and inc["children"]
        assert desk.incident_cells(inc["id"]) is None  # a handler desk sees its own cell only
        assert any(p["kind"] == "act" and p["precision_m"] == 5000 for p in desk.places())
        a_keys = {s.public.sign for s in desk.sources()}
        desk.close()

        cell_b = Desk.open(Path(info["desk_b"]), info["desk_b_passphrase"])
        assert cell_b.role == "handler" and len(cell_b.reports()) == 1
        [b_source] = cell_b.sources()
        assert b_source.public.sign not in a_keys  # the cells' sources are apart
        cell_b.close()

        escrow = Desk.open(Path(info["escrow"]), info["escrow_passphrase"])
        assert escrow.role == "escrow"
        assert len(escrow.reports()) == info["reports_fetched"] + 2  # both cells' reports
        [e_inc] = escrow.incidents()
        assert len(e_inc["reports"]) == 3 and e_inc["independent_sources"] == 3
        assert escrow.incident_cells(e_inc["id"]) == 2
        escrow.close()

        c = TestClient(create_app(Path(info["escrow"]), port=8090), base_url="http://127.0.0.1:8090")
        with c:
            r = c.post("/login", data={"passphrase": info["escrow_passphrase"]})
            assert r.status_code == 200
            page = c.get(f"/incident/{e_inc['id']}").text
            assert "from 3 source keys, not vouched for" in page and "independent" not in page
            assert "2 cells, as the sources say or as recorded here" in page
            uk = c.get(f"/incident/{e_inc['id']}?lang=uk").text
            assert "ключів джерел: 3," in uk
            assert "осередків: 2, як кажуть джерела або як записано тут" in uk
            assert 'href="/share"' not in page  # an escrow desk shares nothing
            assert c.get("/share").status_code == 403
            token = re.search(r'name="csrf" value="([^"]+)"', page)
            assert token is not None
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
