"""Headless Chromium on the case pages (issue 12): incidents, an incident, the timeline and the
map in Ukrainian and English, with screenshots in test-artifacts/ when TYSHA_SCREENSHOTS is set;
no request leaves the desk's origin and the pages need no script."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import desk_served, screenshot

from tysha.drop.launcher import free_port
from tysha.transport.client import tls_context

from .helpers import PASS, add_report, make_desk
from .photos import encode, scene, variants

# One client for the module's plain requests (each new httpx client loads the CA roots); no
# connection is kept open between them, so none is left open when the tests end.
_NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)
_HTTP = httpx.Client(trust_env=False, verify=tls_context(), limits=_NO_KEEPALIVE)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


def _check_leaflet(page: Any, trusted: str, flagged: str) -> None:
    """The Leaflet map replaced the SVG: country and oblast outlines drawn from the desk's own
    files (no tiles), the act's place a circle whose radius is its precision (5 km); a flagged
    report's popup shows its flags, a trusted one's none."""
    page.wait_for_selector("#leaflet-map[data-outlines='1']", timeout=15_000)
    assert page.locator("#svg-map").is_hidden()
    assert page.locator("#leaflet-map img.leaflet-tile").count() == 0
    assert page.locator("path.tysha-country").count() > 10
    assert page.locator("path.tysha-admin1").count() >= 27  # 24 oblasts, Crimea, 2 cities
    zoom = int(page.get_attribute("#leaflet-map", "data-zoom") or "0")
    box = page.locator("path.tysha-area.tysha-act").bounding_box()
    assert box is not None
    # Web Mercator: metres per pixel at latitude 47.44 and this zoom (256-pixel tiles).
    per_px = 2 * math.pi * 6378137 * math.cos(math.radians(47.44)) / (256 * 2**zoom)
    expected = 2 * 5000 / per_px
    assert abs(box["width"] - expected) / expected < 0.05, (box, expected, zoom)
    assert page.locator("path.tysha-dot").count() == 3  # the act and two photos with GPS
    page.locator("path.tysha-dot.tysha-act").dispatch_event("click")
    link = page.locator(".leaflet-popup-content a")
    assert link.get_attribute("href", timeout=5_000).startswith("/incident/")  # type: ignore[union-attr]
    seen = {}
    dots = page.locator("path.tysha-dot.tysha-report")
    for n in range(dots.count()):
        dots.nth(n).dispatch_event("click")
        popup = page.locator(".leaflet-popup-content").last  # the one just opened
        href = popup.locator("a").get_attribute("href", timeout=5_000)
        seen[href] = popup.locator(".badge.flag").count()
    assert seen == {f"/report/{trusted}": 0, f"/report/{flagged}": 2}, seen


def test_case_pages_in_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    desk = make_desk(tmp_path)
    a = scene(21)
    r1 = add_report(desk, "k1", when="2026-03-01T08:00:00Z", where="Vasylivka",
                    gps=(47_440_000, 35_280_000), photos=(encode(a),), trusted=True)  # fmt: skip
    r2 = add_report(desk, "k2", when="2026-03-01T09:00:00Z", where="Vasylivka",
                    gps=(47_445_000, 35_285_000), photos=(variants(a)["cropped"],))  # fmt: skip
    add_report(desk, "k3", categories=("pil",), when="2026-02-20", where="Tokmak")
    r4 = add_report(desk, "k4", when="2026-03-02", photos=(variants(a)["rotated"],))
    iid = desk.create_incident("Vasylivka detentions", [r1, r2], "H")
    desk.add_act(iid, {"category": "det", "start": "2026-03-01T08:00Z", "place": "Vasylivka",
                       "lat": "47.44", "lon": "35.28", "precision_m": "5000", "victims": "3",
                       "children": "1", "unit": "unit 12345", "reports": [r1, r2]}, "H")  # fmt: skip
    desk.update_media_index()
    desk.close()
    with desk_served(tmp_path / "desk", {"TYSHA_PASSPHRASE": PASS}) as base:
        requests: list[str] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for js in (True, False):
                ctx = browser.new_context(viewport={"width": 1280, "height": 1000},
                                          java_script_enabled=js)  # fmt: skip
                page = ctx.new_page()
                page.on("request", lambda r: requests.append(r.url))
                page.goto(base + "/login")
                page.fill("input[name=passphrase]", PASS)
                page.click("button[type=submit]")
                page.wait_for_url(base + "/")
                for lang in ("uk", "en"):
                    for name, path in (("incidents", "/incidents"), ("incident", f"/incident/{iid}"),
                                       ("timeline", "/timeline"), ("map", "/map"),
                                       ("suggestions", "/suggestions")):  # fmt: skip
                        page.goto(f"{base}{path}?lang={lang}")
                        if js and name == "map":
                            _check_leaflet(page, r1, r2)
                        if js:
                            screenshot(page, f"cases-{name}-{lang}.png", full_page=True)
                        body = page.inner_text("main")
                        if name == "map":
                            assert page.locator("svg.map polygon").count() > 0
                            assert page.locator("svg.map circle").count() >= 3
                        if name == "timeline":
                            assert page.locator("ol.timeline li").count() == 5
                            assert page.locator("svg.timeline circle").count() == 5
                        if name == "incident":
                            # r2's key was never enrolled: flagged, not a source.
                            expected = ("підтверджено повідомленнями: 2 (з позначками: 1), "
                                        "незалежних довірених джерел: 1"
                                        if lang == "uk" else
                                        "supported by 2 reports (1 flagged) from 1 independent "
                                        "trusted source")  # fmt: skip
                            assert expected in body
                        if name == "suggestions":
                            assert r4 in body and r1 in body  # not yet in the incident
                ctx.close()
            browser.close()
    assert requests and all(u.startswith(base + "/") for u in requests), [
        u for u in requests if not u.startswith(base)
    ]


def test_share_preview_in_chromium(tmp_path: Path, drop: tuple[str, str, Path]) -> None:
    """The share preview in Ukrainian and English: the free text is folded away and its box
    unticked until the handler opens and ticks it; screenshots; nothing leaves the origin."""
    import re
    from html import unescape

    from playwright.sync_api import sync_playwright

    from tysha.desk.service import Desk as _Desk
    from tysha.protocol import Identity

    from .test_share import PASS as SHARE_PASS
    from .test_share import SECRET_TEXT, _report

    url, vkey, _ = drop
    _Desk.init(tmp_path / "h", "Cell", SHARE_PASS)
    handler = _Desk.open(tmp_path / "h", SHARE_PASS)
    _report(url, handler, handler.invite(url, vkey), Identity.generate(os.urandom),
            b"\xff\xd8photo-one" * 50, SECRET_TEXT)  # fmt: skip
    handler.fetch()
    rid = handler.reports()[0].id
    handler.close()
    _Desk.init(tmp_path / "a", "Analyst", SHARE_PASS, "analyst")
    analyst_key = _Desk.info(tmp_path / "a")["public_key"]
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tysha.cli", "desk", "serve", "--desk", str(tmp_path / "h"),
         "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    requests: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if _HTTP.get(base + "/login").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.goto(base + "/login")
            page.fill("input[name=passphrase]", SHARE_PASS)
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
            for lang in ("uk", "en"):
                page.goto(f"{base}/share?reports={rid}&lang={lang}")
                page.fill("textarea[name=analyst]", str(analyst_key))
                page.click("form[action='/share/preview'] button[type=submit]")
                page.wait_for_selector(f"#share-{rid}")
                assert not page.is_visible(f"text={SECRET_TEXT}")  # folded away
                box = page.locator(f"input[name=text][value='{rid}']")
                assert not box.is_checked()
                screenshot(page, f"share-preview-{lang}.png", full_page=True)
                page.click(".share-text summary")
                assert page.is_visible(f"text={SECRET_TEXT}")
                digest = page.get_attribute("input[name=digest]", "value")
                assert digest and re.fullmatch(r"[0-9a-f]{64}", digest)
                assert unescape(page.content()).count(SECRET_TEXT) == 1
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    assert requests and all(u.startswith(base + "/") for u in requests), requests
