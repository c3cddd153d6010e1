"""The web desk's case pages, in-process: incidents (create, acts, attach, qualify), suggestions,
timeline and map readable without JavaScript, the analyst role on every route."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tysha.desk.service import Desk
from tysha.desk.web.app import create_app
from tysha.desk.web.cases import STATIC

from .helpers import PASS, add_report, make_desk
from .photos import encode, scene, variants

BASE = "http://127.0.0.1:8090"


def _client(desk_dir: Path) -> tuple[TestClient, str]:
    c = TestClient(create_app(desk_dir, port=8090), base_url=BASE)
    c.__enter__()
    assert c.post("/login", data={"passphrase": PASS}, follow_redirects=False).status_code == 303
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/").text).group(1)  # type: ignore[union-attr]
    return c, token


def _stable(page: str) -> str:
    """A page without its forms' one-time tokens (fresh on every view)."""
    return re.sub(r'name="once" value="[^"]*"', 'name="once"', page)


def _qualifications(page: str) -> str:
    """The acts' recorded qualifications on an incident page: each act's last cell up to its
    qualify form (the form's own list of codes left out)."""
    return " ".join(re.findall(r"<td>((?:(?!<td>).)*?)<form method=\"post\" action=\"[^\"]*/qualify\"",
                               page, re.DOTALL))  # fmt: skip


@pytest.fixture
def case_desk(tmp_path: Path) -> dict[str, object]:
    desk = make_desk(tmp_path)
    a = scene(11)
    r1 = add_report(desk, "k1", when="2026-03-01T08:00:00Z", where="Vasylivka",
                    gps=(47_440_000, 35_280_000), photos=(encode(a),), trusted=True)  # fmt: skip
    r2 = add_report(desk, "k2", when="2026-03-01T09:30:00Z", where="Vasylivka",
                    gps=(47_441_000, 35_281_000), photos=(variants(a)["resized"],),
                    trusted=True)  # fmt: skip
    r3 = add_report(desk, "k3", categories=("pil",), when="2026-02-20", where="Tokmak")  # flagged
    desk.update_media_index()
    desk.close()
    return {"dir": tmp_path / "desk", "ids": [r1, r2, r3]}


def test_incident_flow_on_the_web(case_desk: dict[str, object]) -> None:
    r1, r2, r3 = case_desk["ids"]  # type: ignore[misc]
    c, token = _client(case_desk["dir"])  # type: ignore[arg-type]
    page = c.get("/suggestions").text
    assert r1 in page and r2 in page and "near-duplicate photos" in page
    r = c.post("/incidents", data={"csrf": token, "title": "Vasylivka detentions",
                                   "reports": f"{r1} {r2}"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    url = r.headers["location"]
    iid = url.rsplit("/", 1)[1]
    assert "supported by 2 reports from 2 independent sources" in c.get(url).text
    r = c.post(f"{url}/act", data={
        "csrf": token, "category": "det", "start": "2026-03-01T08:00Z", "place": "Vasylivka",
        "lat": "47.44", "lon": "35.28", "precision_m": "3000", "victims": "2",
        "age_group": ["child", ""], "sex": ["female", ""], "victim_note": ["Sasha, 12", ""],
        "unit": "Rosgvardia", "reports": [r1], "reviewer": "H",
    }, follow_redirects=True)  # fmt: skip
    assert r.status_code == 200 and "Rosgvardia" in r.text
    assert "Sasha" not in r.text  # protected details are not shown on the page
    act = re.search(r"\?act=([0-9a-f]+)", r.text).group(1)  # type: ignore[union-attr]
    # An act nobody has qualified says so, and the form's list starts on no code: its first
    # code, shown selected beside "medium", read as the act's qualification.
    assert "not qualified yet" in r.text and "RS 7(1)(e)" not in _qualifications(r.text)
    chosen = re.findall(r'<select name="code"[^>]*>\s*<option ([^>]*)>', r.text)
    assert chosen and all('value=""' in o and "selected" in o for o in chosen)
    before = _stable(c.get(url).text)
    refused = c.post(f"{url}/qualify", data={"csrf": token, "act_id": act, "code": ""})
    assert refused.status_code == 400 and _stable(c.get(url).text) == before
    r = c.post(f"{url}/qualify", data={"csrf": token, "act_id": act, "code": "RS 7(1)(e)",
                                       "confidence": "high"}, follow_redirects=True)  # fmt: skip
    assert "RS 7(1)(e)" in _qualifications(r.text) and "not qualified yet" not in r.text
    r = c.post(f"{url}/attach", data={"csrf": token, "reports": r3}, follow_redirects=True)
    # r3's key was never enrolled: a report, flagged, not an independent source.
    assert "supported by 3 reports (1 flagged) from 2 independent trusted sources" in r.text
    # Bad input: a clear refusal, nothing changed.
    r = c.post(f"{url}/act", data={"csrf": token, "category": "det", "lat": "999", "lon": "1"})
    assert r.status_code == 400 and "Traceback" not in r.text
    assert c.post(f"{url}/act", data={"csrf": "forged", "category": "det"}).status_code == 403
    assert c.get("/incident/00000000deadbeef").status_code == 404
    assert c.post("/incidents", data={"csrf": token, "title": "x",
                                      "reports": "ffffffffffff"}).status_code == 404  # fmt: skip
    # Timeline and map: sorted list and server-drawn SVG, no script needed.
    t = c.get("/timeline").text
    assert "<svg" in t and t.index(r3) < t.index(r1) < t.index(r2)
    assert r3 not in c.get("/timeline?category=det").text
    assert (
        r3 in c.get("/timeline?place=tokmak").text
        and r1 not in c.get("/timeline?place=tokmak").text
    )
    assert iid in c.get("/timeline?qualification=RS+7(1)(e)").text
    m = c.get("/map").text
    assert "<svg" in m and "<polygon" in m and "stroke-dasharray" in m  # 3 km: an area
    body = m.split("</head>")[1]
    # The only script element in the body is data (never executed); the list reads without JS.
    assert body.count("<script") == 1 and '<script type="application/json" id="map-data">' in body
    assert "http" not in m.split("<svg")[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    )
    data = json.loads(body.split('id="map-data">')[1].split("</script>")[0])
    area = next(p for p in data["points"] if p["kind"] == "act")
    assert area["id"] == iid and area["precision_m"] == 3000 and area["reports"] == 1
    assert {p["id"] for p in data["points"] if p["kind"] == "report"} == {r1, r2}
    # Every script and style the map loads is the desk's own, pinned by its integrity.
    head = m.split("</head>")[0]
    for rel in ("vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "map.js"):
        shipped = (STATIC / rel).read_bytes()
        digest = "sha384-" + base64.b64encode(hashlib.sha384(shipped).digest()).decode()
        assert f'href="/static/{rel}" integrity="{digest}"' in head or (
            f'src="/static/{rel}" integrity="{digest}"' in head
        ), rel
        assert c.get(f"/static/{rel}").content == shipped
    # The timeline's filters apply to the map too.
    tokmak = c.get("/map?place=tokmak").text
    assert f"/report/{r1}" not in tokmak and f"/incident/{iid}" not in tokmak
    det = c.get("/map?category=det").text
    assert f"/incident/{iid}" in det and f"/report/{r1}" in det
    assert 'href="/timeline?category=det"' in det
    assert iid in c.get("/incidents").text
    for path in ("/incidents", f"/incident/{iid}", "/suggestions", "/timeline", "/map"):
        for lang in ("uk", "en"):
            assert c.get(f"{path}?lang={lang}").status_code == 200
    c.__exit__(None, None, None)


def test_analyst_desk_routes(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, "analyst")
    rid = add_report(desk, "label-1", when="2026-03-01", where="Enerhodar")
    desk.close()
    c, token = _client(tmp_path / "desk")
    home = c.get("/").text
    assert 'href="/sources"' not in home and 'href="/invitations"' not in home
    for path in ("/sources", "/invitations"):
        assert c.get(path).status_code == 403
    assert c.post("/invitations", data={"csrf": token, "drop": "http://127.0.0.1:1",
                                        "drop_key": "x"}).status_code in (400, 403)  # fmt: skip
    assert c.post(f"/report/{rid}/reply", data={"csrf": token, "text": "hi"}).status_code == 400
    r = c.post("/sources/name", data={"csrf": token, "source": "x", "real_name": "y"})
    assert r.status_code in (400, 403, 404)
    assert c.get(f"/sources/{'0' * 16}/revoke").status_code in (400, 403, 404)
    r = c.post(f"/sources/{'0' * 16}/revoke", data={"csrf": token, "reason": "x", "confirm": "yes"})
    assert r.status_code in (400, 403, 404)
    for path in ("/incidents", "/suggestions", "/timeline", "/map", f"/report/{rid}"):
        assert c.get(path).status_code == 200, path
    c.__exit__(None, None, None)


@pytest.mark.parametrize(
    "data",
    [
        {"category": "det", "reports": ["../../etc"]},
        {"category": "det", "victims": "1e9"},
        {"category": "det", "age_group": ["toddler"], "sex": ["f"], "victim_note": ["x"]},
        {"category": "det", "start": "2026-03-01", "end": "2026-02-01"},
        {"category": "det", "lat": "47.5", "lon": ""},
        {"category": "det", "precision_m": "far"},
        {"category": "<script>alert(1)</script>"},
    ],
)
def test_hostile_act_forms_are_refused_and_change_nothing(
    case_desk: dict[str, object], data: dict[str, object]
) -> None:
    r1 = case_desk["ids"][0]  # type: ignore[index]
    c, token = _client(case_desk["dir"])  # type: ignore[arg-type]
    r = c.post("/incidents", data={"csrf": token, "title": "t", "reports": r1},
               follow_redirects=False)  # fmt: skip
    url = r.headers["location"]
    before = _stable(c.get(url).text)
    r = c.post(f"{url}/act", data={"csrf": token, **data})
    assert r.status_code == 400
    assert "<script>alert" not in r.text and "Traceback" not in r.text and "Errno" not in r.text
    assert _stable(c.get(url).text) == before
    r = c.post(f"{url}/qualify", data={"csrf": token, "act_id": "abcdef", "code": "RS 7(1)(e)"})
    assert r.status_code in (400, 404)
    c.__exit__(None, None, None)


def test_untrusted_reports_are_flagged_on_the_case_pages(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    bad = add_report(desk, None, when="2026-03-01", where="Enerhodar")
    desk.store._update_report(bad, {**desk.store.get_report(bad).data, "trusted": False,
                                    "flag_codes": ["unenrolled-source"]})  # fmt: skip
    iid = desk.create_incident("Case", [bad], "H")
    desk.close()
    c, _token = _client(tmp_path / "desk")
    flagged = c.get("/").text.count('class="badge bad flag"')
    assert flagged >= 1
    # On the incident page: beside the support count, in the act form's supporting reports
    # and in the list of reports.
    assert c.get(f"/incident/{iid}").text.count('class="badge bad flag"') == 3 * flagged
    assert c.get("/timeline").text.count('class="badge bad flag"') == flagged
    c.__exit__(None, None, None)


def test_big_incident_lists_some_reports_and_takes_the_rest_by_id(tmp_path: Path) -> None:
    from tysha.desk.web.cases import SHOWN

    desk = make_desk(tmp_path)
    ids = [add_report(desk, f"k{i % 7}", trusted=True) for i in range(SHOWN + 20)]
    iid = desk.create_incident("Big", ids, "H")
    desk.close()
    c, token = _client(tmp_path / "desk")
    page = c.get(f"/incident/{iid}").text
    assert f"supported by {SHOWN + 20} reports from 7 independent sources" in page
    assert page.count('name="reports" value=') == SHOWN and 'name="act_reports"' in page
    r = c.post(f"/incident/{iid}/act", data={"csrf": token, "category": "det",
                                             "reports": [ids[0]], "act_reports": ids[-1]}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    c.__exit__(None, None, None)
    again = Desk.open(tmp_path / "desk", PASS)
    assert again.incident(iid).acts[0].reports == (ids[0], ids[-1])
    again.close()


def test_the_maps_popups_show_hidden_characters(tmp_path: Path) -> None:
    """The map's popups (map.js, from the page's map-data) put a report's place in the page as
    it came, while the list beside them shows its hidden characters as tokens: a right-to-left
    override reversed the place in the popup and zero-width characters hid there. The data now
    carries the tokens the rest of the page shows."""
    desk = make_desk(tmp_path)
    rid = add_report(desk, "k1", when="2026-03-01T08:00:00Z", where="Vasy\u202elivka\u200b",
                     gps=(47_440_000, 35_280_000), photos=(encode(scene(11)),),
                     trusted=True)  # fmt: skip
    c, _token = _client(tmp_path / "desk")
    m = c.get("/map").text
    data = json.loads(m.split('id="map-data">')[1].split("</script>")[0])
    point = next(p for p in data["points"] if p["id"] == rid)
    assert point["title"] == "Vasy⟨U+202E⟩livka⟨U+200B⟩"


def test_an_incident_or_act_form_sent_twice_is_recorded_once(case_desk: dict[str, object]) -> None:
    """A double click on "Create incident" or "Save act" (or the page sent again) made two
    incidents, or two acts - with their victims counted twice in what the desk tells a
    prosecutor - and two custody events. Each form carries a one-time token: sent again it
    records nothing and leads where the first one did."""
    r1, _r2, _r3 = case_desk["ids"]  # type: ignore[misc]
    c, _token = _client(case_desk["dir"])  # type: ignore[arg-type]

    def fields(page: str, action: str) -> dict[str, str]:
        found = re.search(rf'<form method="post" action="{re.escape(action)}">(.*?)</form>', page, re.S)
        assert found is not None, action
        return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', found.group(1)))

    form = fields(c.get("/incidents").text, "/incidents") | {"title": "Column", "reports": r1}
    made = [c.post("/incidents", data=form, follow_redirects=False) for _ in range(2)]
    assert [m.status_code for m in made] == [303, 303]
    assert made[0].headers["location"] == made[1].headers["location"]
    url = made[0].headers["location"]
    act = fields(c.get(url).text, f"{url}/act") | {"category": "det", "victims": "2", "act_reports": r1}
    saved = [c.post(f"{url}/act", data=act, follow_redirects=False) for _ in range(2)]
    assert [s.status_code for s in saved] == [303, 303]
    c.__exit__(None, None, None)
    desk = Desk.open(case_desk["dir"], PASS)  # type: ignore[arg-type]
    try:
        assert len(desk.incidents()) == 1
        [incident] = desk.incidents()
        assert len(desk.incident(incident["id"]).acts) == 1
    finally:
        desk.close()
