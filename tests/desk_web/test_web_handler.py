"""The web desk under a handler's mistakes and a hostile local client: a request body that
never ends, an error the desk did not expect, stale pages and repeated submits."""

from __future__ import annotations

import asyncio
import logging
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from starlette.testclient import TestClient

import tysha.desk.web.app as web_app
from tysha.desk.web.app import create_app

from .conftest import DESK_PASS
from .test_web import BASE, login
from .test_web_hostile import rid_of


def _scope(path: str, length: int) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": None, "server": ("127.0.0.1", 8090),
        "headers": [(b"host", b"127.0.0.1:8090"), (b"content-length", str(length).encode()),
                    (b"content-type", b"application/x-www-form-urlencoded")],
    }  # fmt: skip


@pytest.mark.parametrize("dribble", [False, True])
def test_a_body_that_stops_or_dribbles_is_cut_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dribble: bool
) -> None:
    """A client that sent a form's headers and then a few bytes of its body, and no more (or
    a byte now and then), held the web desk's request (and its worker) for good: the desk
    had a deadline for headers only. A body that stops arriving for the idle deadline, or
    is not complete by the total one, is answered 408 and its connection closed, like the
    drop's."""
    monkeypatch.setattr(web_app, "BODY_IDLE_S", 0.3, raising=False)
    monkeypatch.setattr(web_app, "BODY_DEADLINE_S", 0.6, raising=False)
    path = "/login"
    app = create_app(tmp_path)
    never = asyncio.Event()
    first = [{"type": "http.request", "body": b"passphrase=a", "more_body": True}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if first:
            return first.pop()
        if dribble:  # a byte well within the idle deadline, for ever
            await asyncio.sleep(0.05)
            return {"type": "http.request", "body": b"a", "more_body": True}
        await never.wait()  # the client keeps the connection and sends nothing more
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        await asyncio.wait_for(app(_scope(path, 400), receive, send), 10)  # type: ignore[arg-type]

    asyncio.run(run())
    assert sent[0]["status"] == 408
    assert (b"connection", b"close") in sent[0]["headers"]


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if all(r is not record for r in self.records):  # once, whichever logger it reached
            self.records.append(record)


def test_an_unexpected_error_is_an_id_in_the_log_and_on_the_page(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error the desk did not expect went up to uvicorn, which printed "Exception in ASGI
    application" and the whole traceback on the handler's terminal - with the exception's
    text, which may quote a report or name a source (whoever sees the terminal, or a log
    kept of it). Now the server gets no exception: one line with a short error id and the
    exception's type only, and the handler's page names the same id, in their language."""
    from tysha.desk.store import DeskStore

    secret = "Source Amber Fox at 12 Lenina St saw the soldiers"

    def boom(self: Any, rid: str) -> Any:
        raise RuntimeError(secret)

    lines = _Lines()
    loggers = [logging.getLogger(n) for n in ("", "uvicorn", "uvicorn.error", "tysha")]
    for lg in loggers:
        lg.addHandler(lines)
    try:
        app = create_app(desk["desk"], port=8090)

        async def run() -> tuple[int, str]:
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
            async with httpx.AsyncClient(transport=transport, base_url=BASE) as c:
                await c.post("/login", data={"passphrase": DESK_PASS, "lang": "uk"})
                rid = re.search(r'href="/report/([0-9a-f]+)"', (await c.get("/")).text)
                assert rid is not None
                monkeypatch.setattr(DeskStore, "get_report", boom)
                r = await c.get(f"/report/{rid.group(1)}")
                return r.status_code, r.text

        status, page = asyncio.run(run())
    finally:
        for lg in loggers:
            lg.removeHandler(lines)
    assert status == 500 and secret not in page
    said = [r for r in lines.records if r.levelno >= logging.ERROR]
    assert len(said) == 1, [r.getMessage() for r in said]
    line = said[0].getMessage()
    assert said[0].exc_info is None and secret not in line and "RuntimeError" in line
    eid = re.search(r"\b([0-9a-f]{8})\b", line)
    assert eid is not None and eid.group(1) in page
    assert "Непередбачена помилка" in page  # the handler's language


class _Form(HTMLParser):
    """The fields a browser sends for the form whose action ends with ``action``, as the page
    shows them (hidden inputs, text inputs, selected options, textareas)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, []
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action", "").endswith(self.action)
        elif not self.inside:
            return
        elif tag == "input" and a.get("name"):
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a.get("value", "")))
        elif tag == "textarea":
            self.textarea = a.get("name")
            self.fields.append((self.textarea or "", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def _form(page: str, action: str) -> list[tuple[str, str]]:
    parser = _Form(action)
    parser.feed(page)
    return parser.fields


def test_a_stale_triage_tab_changes_only_what_its_handler_changed(desk: dict[str, Any]) -> None:
    """Two tabs of the same report (or a page left open while a colleague triaged): saving a
    note from the older one sent the status and the qualifications it still showed, and the
    desk took them as the handler's decision - the status set meanwhile went back, the
    qualification applied meanwhile was withdrawn (a legal qualification gone from the
    evidence without anyone choosing it). The form now says what it showed: only what the
    handler changed on that page changes."""
    from tysha.desk.service import Desk
    from tysha.evidence.taxonomy import QUALIFICATIONS

    code = QUALIFICATIONS[0].code
    with TestClient(create_app(desk["desk"], port=8090), base_url=BASE) as c:
        login(c)
        rid = rid_of(c, "Children taken")
        old_tab = c.get(f"/report/{rid}").text
        new_tab = dict(_form(c.get(f"/report/{rid}").text, "/triage"))
        new_tab |= {"status": "verified", "qualification": code, "confidence": "high"}
        assert c.post(f"/report/{rid}/triage", data=new_tab).status_code == 200
        stale = [(k, v) for k, v in _form(old_tab, "/triage") if k != "note"]
        stale.append(("note", "called the witness back"))
        r = c.post(f"/report/{rid}/triage", content=urlencode(stale),
                   headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 200 and "Saved." in r.text
    d = Desk.open(desk["desk"], DESK_PASS)
    try:
        v = d.report(rid)
        assert v.status == "verified"
        assert [q["code"] for q in v.qualifications] == [code]
        assert [n["text"] for n in v.notes] == ["called the witness back"]
    finally:
        d.close()


def test_cancelling_an_invitation_shows_it_and_asks_first(tmp_path: Path) -> None:
    """"Cancel this invitation" was a button in each row of the invitations table that
    cancelled at once: one click on the wrong row (the rows differ only by a date) killed a
    code already handed over, which cannot be undone - the source needs a new one, handed
    over in person - and the page came back saying nothing of what was done. Now the button
    leads to a page naming the invitation, which cancels only once the handler confirms,
    and the list then says which invitation was cancelled."""
    from tysha.desk.service import Desk
    from tysha.tlog import NoteSigner

    desk = tmp_path / "desk"
    Desk.init(desk, "Olena", DESK_PASS)
    vkey = NoteSigner("drop.example/log", bytes(32)).verifier().vkey
    with Desk.open(desk, DESK_PASS) as d:
        d.invite(["http://127.0.0.1:9/"], vkey)
        d.invite(["http://drop.example/"], vkey)
        first, second = d.invitations()
    with TestClient(create_app(desk, port=8090), base_url=BASE) as c:
        csrf = login(c)
        listed = c.get("/invitations").text
        # the list offers a way to the confirmation, not a one-click cancel
        assert f'action="/invitations/{second["id"]}/cancel"' not in listed
        assert f'href="/invitations/{second["id"]}/cancel"' in listed
        ask = c.get(f"/invitations/{second['id']}/cancel")
        assert ask.status_code == 200 and "http://drop.example/" in ask.text
        assert "http://127.0.0.1:9/" not in ask.text  # only the one to be cancelled is named
        assert second["created_at"][:10] in ask.text
        unconfirmed = c.post(f"/invitations/{second['id']}/cancel", data={"csrf": csrf})
        assert unconfirmed.status_code == 400 and "I am sure" in unconfirmed.text
        with Desk.open(desk, DESK_PASS) as d:
            assert [i["state"] for i in d.invitations()] == ["open", "open"]
        done = c.post(f"/invitations/{second['id']}/cancel",
                      data={"csrf": csrf, "confirm": "yes"})
        assert done.status_code == 200
        notice = re.search(r'<p class="good" role="status"[^>]*>([^<]*)</p>', done.text)
        assert notice is not None and "cancelled" in notice.group(1), done.text
        assert second["created_at"][:10] in notice.group(1)
    with Desk.open(desk, DESK_PASS) as d:
        states = {i["id"]: i["state"] for i in d.invitations()}
    assert states == {first["id"]: "open", second["id"]: "cancelled"}


def test_a_reply_submitted_twice_is_sent_once(desk: dict[str, Any]) -> None:
    """Sending a reply waits for the drop (through Tor, many seconds): a handler who clicked
    "Send encrypted reply" again, or resubmitted the page, sent the source the same reply
    twice - two envelopes to a phone that may be checked at a checkpoint. The form now
    carries a one-time token: the same form submitted again sends nothing and says so."""
    from tysha.desk.service import Desk

    with TestClient(create_app(desk["desk"], port=8090), base_url=BASE) as c:
        login(c)
        rid = rid_of(c, "Summons in every mailbox")
        fields = dict(_form(c.get(f"/report/{rid}").text, "/reply"))
        fields["text"] = "We read it. Stay safe."
        first = c.post(f"/report/{rid}/reply", data=fields)
        assert first.status_code == 200 and "not sent a second time" not in first.text
        again = c.post(f"/report/{rid}/reply", data=fields)
        assert again.status_code == 200 and "not sent a second time" in again.text
        # a new reply from the page shown afterwards goes as usual
        fields = dict(_form(again.text, "/reply")) | {"text": "One more thing."}
        assert "not sent a second time" not in c.post(f"/report/{rid}/reply", data=fields).text
    d = Desk.open(desk["desk"], DESK_PASS)
    try:
        texts = [q.text for q in d.outbox() if q.report == rid]
        texts += [r["text"] for r in d.report(rid).replies if r.get("sent_at")]
    finally:
        d.close()
    assert sorted(texts) == ["One more thing.", "We read it. Stay safe."]


def test_a_revocation_sent_twice_says_it_is_done(desk: dict[str, Any]) -> None:
    """A double click on "Revoke key" (or the confirmation sent again from an older page)
    revoked the key and then answered the second request "Something was refused" - which
    is what the browser shows: a handler under pressure read that the seized phone's key
    was not revoked. The sources page now says what was done, for both requests, and the
    second one changes and records nothing."""
    from tysha.desk.service import Desk

    with TestClient(create_app(desk["desk"], port=8090), base_url=BASE) as c:
        login(c)
        sources = c.get("/sources").text
        sid = re.search(r'href="/sources/([0-9a-z]+)/revoke"', sources)
        assert sid is not None
        confirm = c.get(f"/sources/{sid.group(1)}/revoke").text
        fields = dict(_form(confirm, "/revoke")) | {"reason": "phone seized", "confirm": "yes"}
        pages = [c.post(f"/sources/{sid.group(1)}/revoke", data=fields) for _ in range(2)]
    for page in pages:
        notice = re.search(r'<p class="good" role="status"[^>]*>(.*?)</p>', page.text, re.S)
        assert page.status_code == 200 and notice is not None, page.text
        assert "revoked" in notice.group(1) and "Source" in notice.group(1)
    assert "nothing was changed" in pages[1].text and "nothing was changed" not in pages[0].text
    with Desk.open(desk["desk"], DESK_PASS) as d:
        assert sum(e["action"] == "source-revoked" for e in d.custody()) == 1


def test_a_triage_note_saved_twice_is_recorded_once(desk: dict[str, Any]) -> None:
    """A double click on "Save", or the form sent again, wrote the handler's note into the
    report - and its custody log, which a court reads - twice. The form carries a one-time
    token: sent again it records nothing more, and the page says it was saved."""
    from tysha.desk.service import Desk

    with TestClient(create_app(desk["desk"], port=8090), base_url=BASE) as c:
        login(c)
        rid = rid_of(c, "Children taken")
        fields = [(k, v) for k, v in _form(c.get(f"/report/{rid}").text, "/triage")
                  if k != "note"] + [("note", "witness called back, confirms the bus")]
        for _ in range(2):
            r = c.post(f"/report/{rid}/triage", content=urlencode(fields),
                       headers={"content-type": "application/x-www-form-urlencoded"})
            assert r.status_code == 200 and "Saved." in r.text
    with Desk.open(desk["desk"], DESK_PASS) as d:
        assert [n["text"] for n in d.report(rid).notes] == ["witness called back, confirms the bus"]


def test_each_revoke_and_restore_link_names_its_source(desk: dict[str, Any]) -> None:
    """Every row's link read just "Revoke key" (or "Restore key"): a screen reader's list of
    links gave the handler a column of identical names, with nothing to tell which source
    each would act on. Each link's name now starts with its visible words and names its
    source's pseudonym, as the row shows it."""
    import html

    from tysha.desk.service import Desk

    seen = set()
    for step in ("as enrolled", "revoked"):
        if step == "revoked":
            with Desk.open(desk["desk"], DESK_PASS) as d:
                d.revoke(d.sources()[0].id, "phone seized")
        with TestClient(create_app(desk["desk"], port=8090), base_url=BASE) as c:
            login(c)
            page = c.get("/sources").text
        tags = list(re.finditer(r'<a[^>]*href="/sources/[0-9a-z]+/(revoke|restore)"[^>]*>([^<]*)</a>', page))
        assert tags, page
        for tag in tags:
            seen.add(tag.group(1))
            label = re.search(r'aria-label="([^"]*)"', tag.group(0))
            assert label is not None, tag.group(0)
            name = html.unescape(label.group(1))
            row = page[: tag.start()].rsplit("<tr>", 1)[1]
            shown = re.search(r'<span title="[^"]*">([^<]*)</span>', row)
            assert shown is not None
            assert name.startswith(html.unescape(tag.group(2)))
            assert html.unescape(shown.group(1)) in name
    assert seen == {"revoke", "restore"}


def test_an_invitation_form_sent_twice_makes_one_invitation_and_shows_it(tmp_path: Path) -> None:
    """A double click on "Make a one-time invitation" (or the page sent again) made two
    invitations; the browser shows only the last answer, so the first code was never seen
    and stayed open, a live way to enrol, for its whole validity. The form carries a
    one-time token: sent again it makes nothing and shows the same invitation again."""
    from tysha.desk.service import Desk
    from tysha.tlog import NoteSigner

    desk = tmp_path / "desk"
    Desk.init(desk, "Olena", DESK_PASS)
    vkey = NoteSigner("drop.example/log", bytes(32)).verifier().vkey
    with TestClient(create_app(desk, port=8090), base_url=BASE) as c:
        login(c)
        page = c.get("/invitations").text
        fields = dict(_form(page, "/invitations")) | {"drop": "http://drop.example/",
                                                     "drop_key": vkey}  # fmt: skip
        first, second = (c.post("/invitations", data=fields) for _ in range(2))
    codes = [re.search(r'<textarea readonly[^>]*>([^<]+)</textarea>', p.text) for p in (first, second)]
    assert all(codes) and first.status_code == second.status_code == 200
    assert codes[0].group(1) == codes[1].group(1)  # type: ignore[union-attr]
    with Desk.open(desk, DESK_PASS) as d:
        assert len(d.invitations()) == 1


@pytest.mark.parametrize("lang", ["en", "uk", "ru", "crh"])
def test_the_confirmations_and_the_reply_notice_name_their_source(
    desk: dict[str, Any], lang: str
) -> None:
    """The "Revoke key" / "Restore key" confirmation page was headed "Revoke this source's
    key?" (its tab, its heading and its button named no one: two tabs open on two sources
    read the same, and a screen reader's heading list said nothing of whose key), and a
    reply answered "Reply sent." without saying to whom. The heading, the page title and
    the button now name the source's pseudonym, as does the notice of a reply sent, in the
    handler's language; a reason typed on a confirmation sent without its tick is kept."""
    import html

    from tysha.desk.service import Desk
    from tysha.desk.views import pseudonym_text
    from tysha.i18n import translations

    with Desk.open(desk["desk"], DESK_PASS) as d:
        src = d.sources()[0]
        rid = next(v.id for v in d.reports() if v.source == src.pseudonym)
    # Compared as text: the words may hold an apostrophe ("В'яз"), which Jinja escapes as
    # &#39; and html.escape as &#x27;.
    name = pseudonym_text(src.pseudonym, translations(lang).gettext)
    with TestClient(create_app(desk["desk"], port=8090), base_url=BASE) as c:
        csrf = login(c)
        for action in ("revoke", "restore"):
            page = c.get(f"/sources/{src.id}/{action}?lang={lang}").text
            title = re.search(r"<title>(.*?)</title>", page, re.S)
            h1 = re.search(r"<h1>(.*?)</h1>", page, re.S)
            button = re.search(r'<button type="submit"[^>]*>', page)
            assert title and h1 and button, page
            assert name in html.unescape(title.group(1)), title.group(1)
            assert name in html.unescape(h1.group(1)), h1.group(1)
            assert name in html.unescape(button.group(0)), button.group(0)
            unticked = c.post(f"/sources/{src.id}/{action}",
                              data={"csrf": csrf, "reason": "phone back with her"})
            assert unticked.status_code == 400 and "phone back with her" in unticked.text
            done = c.post(f"/sources/{src.id}/{action}",
                          data={"csrf": csrf, "reason": "checked", "confirm": "yes"})
            assert done.status_code == 200
        notice = re.search(r'<p class="good" role="status"[^>]*>(.*?)</p>',
                           c.get(f"/report/{rid}?m=replied").text, re.S)
        assert notice is not None and name in html.unescape(notice.group(1)), notice


def test_a_triage_the_desk_could_not_save_keeps_the_note(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A triage the desk refused or could not write (a damaged store, a full disk) answered
    with a bare error page: the handler's note - a witness's call written up - was gone (the
    browser keeps no copy: the desk's pages are not stored). The report comes back with the
    note in its form, nothing saved, and why."""
    import html

    from tysha.desk.service import Desk
    from tysha.errors import StorageError

    note = "Called the witness back: the bus left at 6 <am>, two soldiers."

    def failing(self: Any, *a: Any, **kw: Any) -> None:
        raise StorageError("the desk could not write its database (disk full?)")

    with TestClient(create_app(desk["desk"], port=8090), base_url=BASE) as c:
        login(c)
        rid = rid_of(c, "Children taken")
        fields = [(k, v) for k, v in _form(c.get(f"/report/{rid}").text, "/triage")
                  if k != "note"] + [("note", note)]
        monkeypatch.setattr(Desk, "triage", failing)
        r = c.post(f"/report/{rid}/triage", content=urlencode(fields),
                   headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 400
        assert html.escape(note, quote=False) in r.text and "<am>" not in r.text
        assert 'id="triage-error"' in r.text and "disk full" in r.text
        monkeypatch.undo()
        # the same form again (its one-time token was released): saved
        again = c.post(f"/report/{rid}/triage", content=urlencode(fields),
                       headers={"content-type": "application/x-www-form-urlencoded"})
        assert again.status_code == 200 and "Saved." in again.text
