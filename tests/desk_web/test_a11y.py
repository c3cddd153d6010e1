"""The web desk as a handler with a screen reader or only a keyboard meets it (headless Chromium).

What a screen reader reads is Chromium's own accessibility tree (the DevTools protocol's
``Accessibility.getFullAXTree``), not a guess from the HTML: every control has a name, every
page a title of its own in the page's language, and nothing is laid out by inline styles the
desk's Content-Security-Policy blocks.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import desk_served, unnamed_controls

from .conftest import DESK_PASS
from .test_browser import ARGS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]

@pytest.fixture(scope="module")
def site(populated_once: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[str]:
    copy = tmp_path_factory.mktemp("a11y") / "desk"
    shutil.copytree(populated_once["desk"], copy)
    with desk_served(copy) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def desk(site: str, browser: Any) -> Iterator[SimpleNamespace]:
    """One logged-in handler, in Ukrainian, with an incident (one act, on the map) to look at."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        pg = ctx.new_page()
        console: list[str] = []
        pg.on("console", lambda m: console.append(m.text))
        pg.goto(site + "/login?lang=uk")
        pg.fill("input[name=passphrase]", DESK_PASS)
        pg.click("button[type=submit]")
        pg.wait_for_url(site + "/")
        report = str(pg.locator("table.reports tbody a[href^='/report/']").first.get_attribute(
            "href"))
        pg.goto(site + "/incidents")
        pg.fill("section.card input[name=title]", "Обшук на блокпосту")
        pg.fill("section.card input[name=reports]", report.rsplit("/", 1)[1])
        pg.click("section.card form[action='/incidents'] button[type=submit]")
        pg.wait_for_url(site + "/incident/*")
        # one act, located: a point on the map
        pg.select_option("#act-form select[name=category]", "fil")
        pg.fill("#act-form input[name=place]", "Василівка")
        pg.fill("#act-form input[name=lat]", "47.44")
        pg.fill("#act-form input[name=lon]", "35.27")
        pg.fill("#act-form input[name=precision_m]", "2000")
        pg.check("#act-form input[name=reports]")
        pg.click("#act-form button[type=submit]")
        pg.wait_for_selector("td:has-text('Василівка')")
        yield SimpleNamespace(page=pg, site=site, console=console, report=report,
                              incident=pg.url[len(site):])
    finally:
        ctx.close()


def _pages(desk: SimpleNamespace) -> list[str]:
    return ["/", "/incidents", desk.incident, "/suggestions", "/timeline", "/map", "/sources",
            "/invitations", "/share", desk.report]


def test_every_page_has_a_title_of_its_own_in_the_pages_language(desk: SimpleNamespace) -> None:
    """A screen reader announces the title first, and tabs are told apart by it: each page's
    says what the page is (its heading), in the language the page is shown in."""
    page = desk.page
    titles = {}
    for path in [*_pages(desk), "/no-such-page"]:
        page.goto(desk.site + path)
        assert page.evaluate("document.documentElement.lang") == "uk", path
        title = page.title()
        heading = page.locator("h1").first.inner_text().strip()
        if path != desk.report:  # the report's h1 is its categories; its title its id
            assert heading in title, (path, title, heading)
        assert "Тиша" in title, (path, title)
        titles[path] = title
    assert len(set(titles.values())) == len(titles), titles
    page.goto(desk.site + "/?lang=ru")
    assert page.title().startswith("Входящие"), page.title()
    assert page.evaluate("document.documentElement.lang") == "ru"
    page.goto(desk.site + "/?lang=uk")


def test_every_control_and_image_has_a_name(desk: SimpleNamespace) -> None:
    """Every field, button, link and image is named for a screen reader: the reply box, the
    invitation's code and QR image, the timeline's and the map's drawings; and every column
    header (the sources', invitations' and suggestions' last columns, of their buttons and
    links, had none: a screen reader said "column" and nothing before each button)."""
    page = desk.page
    page.goto(desk.site + "/invitations")
    page.click("form[action='/invitations'] button[type=submit]")
    page.wait_for_selector("textarea[readonly]")
    missing = {"/invitations (new)": unnamed_controls(page)}
    for path in _pages(desk):
        page.goto(desk.site + path)
        missing[path] = unnamed_controls(page)
    assert not any(missing.values()), "\n".join(f"{k}: {v}" for k, v in missing.items() if v)


def test_incident_checkboxes_sit_beside_their_labels(desk: SimpleNamespace) -> None:
    """The act form's checkboxes were laid out by inline style attributes, which the desk's
    CSP (style-src 'self') blocks: each box stretched across the form, away from its words."""
    page = desk.page
    desk.console.clear()
    page.goto(desk.site + desk.incident)
    assert not [m for m in desk.console if "Content Security Policy" in m]
    for box in page.locator("#act-form input[type=checkbox]").all():
        label = box.locator("xpath=ancestor::label[1]")
        b, lab = box.bounding_box(), label.bounding_box()
        assert b and lab and b["width"] < 40, b
        assert b["x"] - lab["x"] < 10, (b, lab)  # at the start of its label's line


def test_a_wrong_passphrase_is_said_at_the_field_the_page_puts_the_handler_in(
    site: str, browser: Any
) -> None:
    """After a refused login the page comes back with the cursor in the passphrase field: an
    alert already on a page that loads is not announced, so the field itself must say why
    (its description), or a screen reader user hears only "Desk passphrase, edit"."""
    from playwright.sync_api import expect

    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(site + "/login?lang=uk")
        page.fill("input[name=passphrase]", "not the passphrase")
        page.click("button[type=submit]")
        page.wait_for_selector("[role=alert]")
        field = page.locator("input[name=passphrase]")
        expect(field).to_be_focused()
        alert = page.locator("[role=alert]").inner_text().strip()
        assert alert
        expect(field).to_have_accessible_description(alert)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(page.locator("input[name=totp]")).to_have_accessible_description("")
    finally:
        ctx.close()


def test_a_filtered_inbox_says_how_many_reports_it_now_lists(desk: SimpleNamespace) -> None:
    """Choosing a category redraws the rows in place (htmx): the new count is said in a live
    region that stays on the page, not only shown in rows a screen reader is not told of."""
    from playwright.sync_api import expect

    page = desk.page
    page.goto(desk.site + "/")
    count = page.locator("#report-count")
    expect(count).to_have_text("3 повідомлення")
    expect(count).to_have_attribute("role", "status")
    page.evaluate("document.getElementById('report-count').tysha_kept = true")
    page.select_option("select[name=category]", "mob")
    expect(page.locator("table.reports tbody tr")).to_have_count(1)
    expect(count).to_have_text("1 повідомлення")
    # the same element, its text changed: a replaced region is not announced
    assert page.evaluate("document.getElementById('report-count').tysha_kept === true")
    assert page.locator(".count").count() == 1
    page.select_option("select[name=category]", "")


def test_the_inbox_says_which_column_it_is_sorted_by(desk: SimpleNamespace) -> None:
    """aria-sort counts only on a column header: on the link inside it a screen reader never
    hears that the inbox is sorted, newest first, by that column."""
    from playwright.sync_api import expect

    page = desk.page
    for sort, column in (("received", "Отримано"), ("event", "Час події")):
        page.goto(desk.site + f"/?sort={sort}")
        # named by its words only: the ▼ beside them is for the eye, not read as a "triangle"
        expect(page.get_by_role("columnheader", name=column, exact=True)).to_have_attribute(
            "aria-sort", "descending")
        assert page.eval_on_selector_all("[aria-sort]", "es => es.map(e => e.tagName)") == ["TH"]


def test_the_keyboard_skips_the_header_to_the_page(desk: SimpleNamespace) -> None:
    """The first Tab on a page offers, visibly, a way past the header's dozen links (nine pages,
    log out, four languages) straight to the page's own first control."""
    page = desk.page
    page.goto(desk.site + "/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text().strip() == "Перейти до змісту"
    box = skip.bounding_box()
    assert box and box["width"] > 40 and box["height"] > 20 and box["x"] >= 0 and box["y"] >= 0
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert page.locator(":focus").inner_text().strip() == "Отримати зараз"


def test_the_map_tells_an_incident_from_a_report_by_more_than_colour(
    desk: SimpleNamespace
) -> None:
    """On the map an incident's act and a report were a red and a blue dot, alike in all but
    colour, and the table below did not say which was which: a colour-blind handler could not
    tell them apart. An act is a ring (a report a filled dot), the page says so, and its row
    is marked as an incident."""
    from playwright.sync_api import expect

    page = desk.page
    page.goto(desk.site + "/map")
    expect(page.locator("#leaflet-map")).to_have_attribute("data-ready", "1")
    row = page.locator("table.reports tbody tr", has_text="Обшук на блокпосту")
    expect(row.locator(".badge", has_text="Інцидент")).to_have_count(1)
    expect(page.get_by_text("Кільце — дія інциденту, суцільна точка — повідомлення.")).to_be_visible()
    ring = {"stroke-width": "3", "fill-opacity": "0.2"}
    dot = page.locator("#leaflet-map path.tysha-dot.tysha-act")
    svg = page.locator("#svg-map circle:not([stroke-dasharray])")
    for name, value in ring.items():
        expect(dot).to_have_attribute(name, value)  # the Leaflet map
        expect(svg).to_have_attribute(name, value)  # the page without scripts


def test_at_200_percent_zoom_every_header_control_is_on_screen(desk: SimpleNamespace) -> None:
    """A handler who zooms the desk to 200% (a 1280-px window is then 640 CSS px wide) found
    the header one unbroken row of 1044 px: Invitations, Share, Log out and the languages off
    the right edge, reachable only by scrolling every page sideways. The header wraps."""
    page = desk.page
    page.set_viewport_size({"width": 640, "height": 450})
    try:
        for path in ("/sources", desk.report):
            page.goto(desk.site + path)
            width = page.evaluate("document.documentElement.clientWidth")
            assert page.evaluate("document.scrollingElement.scrollWidth") <= width, path
            for control in page.locator("header.top a, header.top button").all():
                box = control.bounding_box()
                assert box and 0 <= box["x"] and box["x"] + box["width"] <= width, (
                    control.inner_text(), box)
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_the_maps_buttons_are_named_in_the_pages_language(desk: SimpleNamespace) -> None:
    """Leaflet names its zoom buttons and a place's close button in English ("Zoom in", "Close
    popup"): a screen reader on a Ukrainian desk read them in English. They are named in the
    page's language."""
    from playwright.sync_api import expect

    page = desk.page
    page.goto(desk.site + "/map")
    expect(page.locator("#leaflet-map")).to_have_attribute("data-ready", "1")
    expect(page.get_by_role("button", name="Наблизити")).to_have_count(1)
    expect(page.get_by_role("button", name="Віддалити")).to_have_count(1)
    page.locator("#leaflet-map path.tysha-dot").first.click(force=True)
    expect(page.get_by_role("button", name="Закрити")).to_have_count(1)
    leaflet = [n for n in ("Zoom in", "Zoom out", "Close popup")
               if page.get_by_role("button", name=n).count()]
    assert not leaflet, leaflet


def test_at_200_percent_zoom_a_wide_table_scrolls_in_a_named_region(desk: SimpleNamespace) -> None:
    """At 200% zoom (640 CSS px) the inbox (967 px) and an incident's acts (717 px) pushed the
    whole page sideways: every line of the page scrolled with them. A wide table scrolls in a
    region of its own, named for a screen reader and reachable by Tab (so by the arrow keys)."""
    from playwright.sync_api import expect

    page = desk.page
    page.set_viewport_size({"width": 640, "height": 450})
    try:
        for path, name in (("/", "Повідомлення"), (desk.incident, "Дії"), ("/sources", "Джерела"),
                           ("/suggestions", "Пропозиції")):
            page.goto(desk.site + path)
            width = page.evaluate("document.documentElement.clientWidth")
            assert page.evaluate("document.scrollingElement.scrollWidth") <= width, path
            region = page.get_by_role("region", name=name, exact=True)
            expect(region).to_have_count(1)
            expect(region).to_have_attribute("tabindex", "0")
            expect(region.locator("table.reports")).to_have_count(1)
        page.goto(desk.site + "/")
        region = page.get_by_role("region", name="Повідомлення", exact=True)
        assert region.evaluate("e => e.scrollWidth > e.clientWidth")  # the table scrolls in it
        region.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(300)
        assert region.evaluate("e => e.scrollLeft") > 0
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_each_language_link_says_its_language_in_that_language(desk: SimpleNamespace) -> None:
    """The header's language links read "en", "uk", "ru", "crh": a screen reader spelled the
    codes out, and a handler who does not know "crh" could not tell what it was. Each link is
    its language's own name, marked as that language (so read with its pronunciation)."""
    from playwright.sync_api import expect

    page = desk.page
    page.goto(desk.site + "/")
    links = page.locator("header .langs a")
    expect(links).to_have_count(4)
    for code, name in (("en", "English"), ("uk", "Українська"), ("ru", "Русский"),
                       ("crh", "Qırımtatarca")):
        link = page.get_by_role("link", name=name, exact=True)
        expect(link).to_have_attribute("lang", code)
        expect(link).to_have_attribute("href", f"?lang={code}")
    expect(page.get_by_role("link", name="Українська", exact=True)).to_have_attribute(
        "aria-current", "true")


def _spoken_text(page: Any) -> list[str]:
    """The text nodes of Chromium's accessibility tree: what a screen reader reads out."""
    cdp = page.context.new_cdp_session(page)
    try:
        return [str((n.get("name") or {}).get("value") or "")
                for n in cdp.send("Accessibility.getFullAXTree")["nodes"]
                if not n.get("ignored") and (n.get("role") or {}).get("value") == "StaticText"]
    finally:
        cdp.detach()


def test_the_verification_checks_bullets_are_not_read_aloud(desk: SimpleNamespace) -> None:
    """Each verification check is drawn with a "●" before it (CSS ::before), in its colour: a
    screen reader read "black circle" before every check. The dot is for the eye only."""
    page = desk.page
    page.goto(desk.site + desk.report)
    spoken = _spoken_text(page)
    assert any("Підпис і хеші під час зйомки" in t for t in spoken), spoken  # the check itself is read
    assert not [t for t in spoken if "●" in t]
    assert page.locator("ul.checks li").first.evaluate(
        "e => getComputedStyle(e, '::before').content").startswith('"●')  # still drawn


def test_what_an_action_says_is_read_when_its_page_loads(desk: SimpleNamespace) -> None:
    """"Saved.", "Reply sent." and a fetch's result (with its forked-history and withheld-entry
    alerts) are already on the page the desk redirects to: a live region present when a page
    loads is not announced, so a screen reader user heard nothing of them. The message takes
    the focus, so it is read."""
    from playwright.sync_api import expect

    page = desk.page
    page.goto(desk.site + desk.report)
    page.select_option("form[action$='/triage'] select[name=status]", "reviewing")
    page.click("form[action$='/triage'] button[type=submit]")
    page.wait_for_url("**?m=saved")
    expect(page.locator(":focus")).to_have_text("Збережено.")
    page.goto(desk.site + desk.incident.split("?")[0] + "?m=saved")
    expect(page.locator(":focus")).to_have_text("Збережено.")
    page.goto(desk.site + "/")
    page.get_by_role("button", name="Отримати зараз").click()
    page.wait_for_url(desk.site + "/")
    expect(page.locator(":focus")).to_have_class("card result")
    expect(page.locator(":focus")).to_contain_text("0 нових повідомлень")


def test_an_action_link_in_a_table_looks_like_one(desk: SimpleNamespace) -> None:
    """"Revoke key" (and "Cancel this invitation…") are links in a table, whose report links
    are styled as plain text: the table's rule won over the action's, so the one way to revoke
    a seized phone's key read as ink-coloured words with nothing to say they can be clicked
    (WCAG 1.4.1). An action link in a table keeps its colour and its underline."""
    page = desk.page
    page.goto(desk.site + "/sources")
    link = page.locator("table.reports a.danger").first
    style = link.evaluate(
        "e => { const s = getComputedStyle(e); return [s.color, s.textDecorationLine]; }")
    bad = page.evaluate(
        "(() => { const p = document.createElement('p'); p.style.color = 'var(--bad)';"
        " document.body.append(p); const c = getComputedStyle(p).color; p.remove(); return c; })()")
    ink = page.evaluate(
        "(() => { const p = document.createElement('p'); p.style.color = 'var(--ink)';"
        " document.body.append(p); const c = getComputedStyle(p).color; p.remove(); return c; })()")
    assert bad != ink
    assert style == [bad, "underline"], style

def test_the_warning_not_to_rely_on_a_report_is_read_first(desk: SimpleNamespace) -> None:
    """A flagged report's banner ("Do not rely on this report without checking") is an alert
    already on the page: not announced. It takes the focus when the page opens (unless the
    handler's own action has a message to say, which comes just before it). Runs last: it
    revokes the source."""
    from playwright.sync_api import expect

    page = desk.page
    page.goto(desk.site + "/sources")
    page.click("a.danger")
    page.fill("textarea[name=reason]", "phone seized at a checkpoint")
    page.check("input[name=confirm]")
    page.click("form button[type=submit]")
    page.wait_for_url(desk.site + "/sources")
    page.goto(desk.site + desk.report)
    focused = page.locator(":focus")
    expect(focused).to_have_class("banner bad")
    expect(focused).to_contain_text("Не покладайтеся на це повідомлення без перевірки")
    page.goto(desk.site + desk.report + "?m=saved")
    expect(page.locator(":focus")).to_have_text("Збережено.")

    # The revoked source's "Restore key" is an action link in the table too: underlined.
    page.goto(desk.site + "/sources")
    restore = page.locator("table.reports a[href$='/restore']").first
    assert restore.evaluate("e => getComputedStyle(e).textDecorationLine") == "underline"
