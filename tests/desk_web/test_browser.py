"""Headless Chromium (Debian's package, driven by Playwright): the handler's whole session.

Log in, filter the inbox, open a report, qualify it, reply — the source then receives the
reply — and open the report full of hostile attachments: no script may run.
Screenshots go to test-artifacts/ when TYSHA_SCREENSHOTS is set (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import screenshot

from .conftest import DESK_PASS, MARK

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed "
                       "(apt-get install chromium; .ci/run does it)"),
]


def test_handler_session_in_chromium(served: dict[str, Any], cli: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = served["base"]
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = ctx.new_page()
        page.on("request", lambda r: requests.append(r.url))
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        _log_in(page, base)
        screenshot(page, "inbox.png")
        assert page.locator("table.reports tbody tr").count() == 3
        # filter the inbox (htmx swaps the rows; without JS the form submits)
        page.select_option("select[name=category]", "mob")
        # polled from Python: a string predicate polled in the page is an eval, which the
        # desk's CSP (rightly) forbids
        expect(page.locator("table.reports tbody tr")).to_have_count(1)
        screenshot(page, "inbox-filtered.png")
        page.click("text=Summons in every mailbox")
        page.wait_for_selector("h2:has-text('Triage')")
        page.select_option("select[name=status]", "verified")
        page.select_option("select[name=qualification]", ["RS 8(2)(a)(v)", "CCU 438"])
        page.select_option("select[name=confidence]", "high")
        page.click("form[action$='/triage'] button[type=submit]")
        page.wait_for_selector("text=Saved.")
        assert page.locator("text=RS 8(2)(a)(v)").count() >= 1
        # the form shows what was saved, not the defaults
        assert page.eval_on_selector("select[name=confidence]", "e => e.value") == "high"
        chosen = page.eval_on_selector(
            "select[name=qualification]", "e => [...e.selectedOptions].map(o => o.value)")
        assert chosen == ["RS 8(2)(a)(v)", "CCU 438"]
        # typing keeps the session in use (static/activity.js): a long reply is not lost to
        # the idle timeout
        with page.expect_request(lambda r: r.url == base + "/keepalive" and r.method == "POST"):
            page.fill("form[action$='/reply'] textarea[name=text]", "We received it. Stay safe.")
        page.click("form[action$='/reply'] button[type=submit]")
        page.wait_for_selector("text=Reply sent to")
        screenshot(page, "report.png", full_page=True)
        # the hostile report: nothing it carries may execute
        page.goto(base + "/")
        page.click("text=Checkpoint search; files attached")
        page.wait_for_selector("h2:has-text('Attachments')")
        _settle_previews(page)  # (a full-page screenshot does not load lazy images itself)
        screenshot(page, "hostile-report.png", full_page=True)
        assert MARK not in page.title()
        names = []
        for button in page.locator("form.download button").all():
            with page.expect_download() as dl:
                button.click()
            names.append(dl.value.suggested_filename)
        assert "фото.jpg" in names  # RFC 6266 filename*: the Cyrillic name survives
        assert not any("\u202e" in n for n in names)
        assert MARK not in page.title()
        # flags and both dates: revoke the source (confirmed, with a reason), then look again
        page.goto(base + "/sources")
        page.click("a.danger")
        page.fill("textarea[name=reason]", "phone seized at a checkpoint")
        page.check("input[name=confirm]")
        page.click("form button[type=submit]")
        page.goto(base + "/")
        assert page.locator("span.badge.flag").count() >= 3
        assert page.locator("span.badge.good").count() == 0
        assert page.locator("th:has-text('Event time')").count() == 1
        assert "UTC" in page.locator("table.reports tbody tr").first.inner_text()
        assert page.locator("td.time:has-text('2026-11-28 14:30 UTC')").count() == 1  # event time
        screenshot(page, "inbox-flags-and-dates.png", full_page=True)
        page.click("a:has-text('Children taken to a camp')")
        page.wait_for_selector("section.banner")
        screenshot(page, "report-flag-banner.png", full_page=True)
        # a fully translated Ukrainian page
        page.goto(page.url + "?lang=uk")
        page.wait_for_selector("h2:has-text('Первинна оцінка')")
        assert page.locator("text=Не покладайтеся на це повідомлення без перевірки").count() == 1
        screenshot(page, "report-uk.png", full_page=True)
        page.goto(base + "/?lang=uk")
        assert page.locator("text=3 повідомлення").count() == 1
        screenshot(page, "inbox-uk.png", full_page=True)
        assert page.evaluate("fetch('/favicon.ico').then(r => r.status)") == 200
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
    assert all(r["flags"] for r in shown)  # the CLI agrees: the revoked source's reports are flagged


# Per figure of the report: its file name, whether its image shows, its visible notes.
_FIGURES = """() => [...document.querySelectorAll('figure.att')].map(f => {
  const img = f.querySelector('img');
  return {name: f.querySelector('figcaption strong').innerText,
          shown: !!img && img.checkVisibility() && img.complete && img.naturalWidth > 0,
          broken: !!img && img.checkVisibility() && img.complete && img.naturalWidth === 0,
          pending: [...f.querySelectorAll('.preview-wait')].some(p => p.checkVisibility()),
          notes: [...f.querySelectorAll(':scope > p:not(.preview-wait)')]
                   .filter(p => p.checkVisibility()).map(p => p.innerText)};
})"""


def _log_in(page: Any, base: str) -> None:
    """Log in to the web desk at ``base``; the inbox is shown."""
    page.goto(base + "/login")
    page.fill("input[name=passphrase]", DESK_PASS)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def _open_the_report_with_attachments(page: Any, base: str) -> None:
    """Logged in, the report whose attachments include the hostile images is open."""
    _log_in(page, base)
    page.click("text=Checkpoint search; files attached")
    page.wait_for_selector("h2:has-text('Attachments')")


def _settle_previews(page: Any) -> dict[str, dict[str, Any]]:
    """Scroll each attachment into view (its thumbnail is loaded lazily) and wait until no
    preview is still being made: the figures as _FIGURES reads them, by file name."""
    import time

    for fig in page.locator("figure.att").all():
        fig.scroll_into_view_if_needed()
    deadline = time.monotonic() + 60
    while True:
        figs = {f["name"]: f for f in page.evaluate(_FIGURES)}
        if not any(f["pending"] for f in figs.values()) or time.monotonic() > deadline:
            return figs
        page.wait_for_timeout(200)


def test_every_attachment_shows_its_preview_or_why_not(served: dict[str, Any]) -> None:
    """On the first view of the hostile report, in each language: each picture's preview, or a
    note why there is none (the bomb is refused in the jail: its thumbnail is a 404) — never a
    broken or empty image; each picture below the fold too (lazy loading)."""
    from playwright.sync_api import sync_playwright

    base = served["base"]
    no_preview = {"en": "No preview: this image could not be read safely",
                  "uk": "Мініатюри немає", "ru": "Миниатюры нет", "crh": "Kiçik resim yoq"}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        _open_the_report_with_attachments(page, base)
        url = page.url
        for lang, note in no_preview.items():
            # English first: the jail's refusal arrives after the page (the script names it);
            # then the desk remembers it and names it in the page itself
            page.goto(f"{url}?lang={lang}&thumbs=24")
            figs = _settle_previews(page)
            assert not [f for f in figs.values() if f["broken"]], lang
            assert all(f["shown"] or f["notes"] for f in figs.values()), (lang, figs)
            assert figs["bomb.png"]["notes"] and note in figs["bomb.png"]["notes"][0], lang
            assert all(figs[n]["shown"] and not figs[n]["notes"]
                       for n in ("polyglot.jpg", "street.jpg", "фото.jpg")), lang
        browser.close()


def test_without_javascript_a_refused_preview_says_why(served: dict[str, Any]) -> None:
    """With JavaScript off (a hardened browser, Tor Browser's safest level) the report page
    showed a refused picture's preview as an empty box: the note saying why was left for
    static/previews.js to reveal. Without the script the preview is an <object> whose
    fallback is that note: a picture shows, or the reason does - never an empty box."""
    from playwright.sync_api import sync_playwright

    base = served["base"]
    note = "No preview: this image could not be read safely"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900},
                                  java_script_enabled=False)
        page = ctx.new_page()
        _open_the_report_with_attachments(page, base)
        for fig in page.locator("figure.att").all():
            fig.scroll_into_view_if_needed()
        page.wait_for_load_state("networkidle")

        def figure(name: str) -> Any:
            return page.locator("figure.att").filter(
                has=page.locator("figcaption strong", has_text=name))

        def pictures(name: str) -> list[dict[str, float]]:
            # boxes where a picture is (an <object> showing its fallback shows no picture)
            return [b for el in figure(name).locator("img, object").all()
                    if el.is_visible() and (b := el.bounding_box()) and b["height"] > 8
                    and not any(p.is_visible() for p in el.locator("p").all())]

        def says_why(name: str) -> bool:
            # (CSS, not a text selector: Playwright's text engine skips <noscript> content)
            return any(el.is_visible() and note in el.inner_text()
                       for el in figure(name).locator("p").all())

        assert says_why("bomb.png")
        assert pictures("bomb.png") == []  # no empty box beside the note
        for name in ("polyglot.jpg", "street.jpg"):
            assert len(pictures(name)) == 1 and not says_why(name), name
        browser.close()
