"""Headless Chromium (Debian's package, driven by Playwright): the handler's whole session.

Log in, filter the inbox, open a report, qualify it, reply — the source then receives the
reply — and open the report full of hostile attachments: no script may run.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from .conftest import DESK_PASS, MARK

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed "
                       "(apt-get install chromium; .ci/run does it)"),
]


def test_handler_session_in_chromium(served: dict[str, Any], cli: Any, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    base = served["base"]
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = ctx.new_page()
        page.on("request", lambda r: requests.append(r.url))
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(base + "/login")
        page.fill("input[name=passphrase]", DESK_PASS)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        page.screenshot(path=str(ARTIFACTS / "inbox.png"))
        assert page.locator("table.reports tbody tr").count() == 3
        # filter the inbox (htmx swaps the rows; without JS the form submits)
        page.select_option("select[name=category]", "mob")
        page.wait_for_function("document.querySelectorAll('table.reports tbody tr').length === 1")
        page.screenshot(path=str(ARTIFACTS / "inbox-filtered.png"))
        page.click("text=Summons in every mailbox")
        page.wait_for_selector("h2:has-text('Triage')")
        page.select_option("select[name=status]", "verified")
        page.select_option("select[name=qualification]", "RS 8(2)(a)(v)")
        page.select_option("select[name=confidence]", "high")
        page.click("form[action$='/triage'] button[type=submit]")
        page.wait_for_selector("text=Saved.")
        assert page.locator("text=RS 8(2)(a)(v)").count() >= 1
        page.fill("form[action$='/reply'] textarea[name=text]", "We received it. Stay safe.")
        page.click("form[action$='/reply'] button[type=submit]")
        page.wait_for_selector("text=Reply sent.")
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        # the hostile report: nothing it carries may execute
        page.goto(base + "/")
        page.click("text=Checkpoint search; files attached")
        page.wait_for_selector("h2:has-text('Attachments')")
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ARTIFACTS / "hostile-report.png"), full_page=True)
        assert MARK not in page.title()
        for href in page.eval_on_selector_all("a.download", "els => els.map(e => e.href)"):
            with page.expect_download():
                page.evaluate("h => { const a = document.createElement('a'); a.href = h; a.click(); }", href)
        assert MARK not in page.title()
        browser.close()
    assert not dialogs
    assert not [u for u in requests if MARK in u], "a hostile script ran"
    assert all(u.startswith(base) for u in requests), "the desk loaded something from elsewhere"
    replies = json.loads(cli("source", "replies", "--vault", str(served["vault"]), "--json",
                             env=served["senv"]).stdout)
    assert [r["text"] for r in replies] == ["We received it. Stay safe."]
    shown = json.loads(cli("desk", "list", "--desk", str(served["desk"]), "--json", "--status",
                           "verified", env=served["denv"]).stdout)
    assert [r["text"] for r in shown] == ["Summons in every mailbox"]
