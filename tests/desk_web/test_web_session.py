"""The web desk's login and session against someone at the keyboard or another local process:
guesses sent at once, a session left alone, a browser closed."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tysha.desk.web.app import create_app

from .conftest import DESK_PASS
from .test_web import BASE, login


def test_guesses_sent_at_once_are_throttled_like_guesses_in_a_row(desk: dict[str, Any]) -> None:
    """The throttle was read before the passphrase was checked (in a thread, a fraction of a
    second of Argon2id) and written only after: twelve guesses sent together were all checked,
    so a local process could try passphrases as fast as the machine derives keys. While one
    attempt from a bucket is being checked, another from the same bucket waits (429)."""
    app = create_app(desk["desk"], port=8090)

    async def guesses() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as c:
            rs = await asyncio.gather(
                *(c.post("/login", data={"passphrase": f"guess {i}"}) for i in range(12))
            )
        return [r.status_code for r in rs]

    codes = asyncio.run(guesses())
    assert codes.count(401) == 1, codes  # one passphrase checked ...
    assert codes.count(429) == 11, codes  # ... the others told to wait, not checked


class _Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


def test_a_session_left_alone_ends_and_its_desk_is_closed(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session lived eight hours whatever happened in it: a handler who walked away from an
    open tab left the desk open to whoever sat down for the rest of the working day, and a
    session whose cookie never came back (a closed browser) kept its unlocked desk in the
    server's memory for good. After 30 minutes without a request it now ends on the server,
    its desk closed; a session in use goes on; logging out ends it at once."""
    import tysha.desk.web.app as web_app
    from tysha.desk.service import Desk

    clock = _Clock()
    monkeypatch.setattr(web_app, "time", clock)
    closed: list[Desk] = []
    real_close = Desk.close

    def close(self: Desk) -> None:
        closed.append(self)
        real_close(self)

    monkeypatch.setattr(Desk, "close", close)
    app = create_app(desk["desk"], port=8090)
    with TestClient(app, base_url=BASE) as busy, TestClient(app, base_url=BASE) as idle:
        login(busy)
        login(idle)
        for _ in range(4):  # two hours of work, a request every 25 minutes
            clock.now += 25 * 60
            assert busy.get("/", follow_redirects=False).status_code == 200
        assert len(closed) == 1  # the idle one was closed by the first request after 30 min
        r = idle.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        clock.now += 31 * 60
        r = busy.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert len(closed) == 2
    with TestClient(app, base_url=BASE) as c:
        token = login(c)
        cookie = c.cookies["tysha_session"]
        assert c.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
        assert len(closed) == 3
        c.cookies.set("tysha_session", cookie)  # the old cookie, kept and replayed
        r = c.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"


def test_the_session_cookie_ends_with_the_browser(desk: dict[str, Any]) -> None:
    """The session cookie carried Max-Age (eight hours): the browser kept it on disk, in its
    profile, and a handler who closed the browser to leave the desk found it open again when
    the browser was opened again. It is now a browser-session cookie: HttpOnly,
    SameSite=Strict, for the whole desk, with no lifetime of its own."""
    with TestClient(create_app(desk["desk"], port=8090), base_url=BASE) as c:
        r = c.post("/login", data={"passphrase": DESK_PASS}, follow_redirects=False)
        assert r.status_code == 303
        cookie = next(v for v in r.headers.get_list("set-cookie") if v.startswith("tysha_session="))
        attrs = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
        assert {"httponly", "samesite", "path"} <= attrs
        assert "samesite=strict" in cookie.lower()
        assert not attrs & {"max-age", "expires"}, cookie


def test_a_handler_typing_keeps_the_session(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handler writing a long reply makes no request until they submit it: after 30 minutes
    the idle timeout ended the session and the reply was lost at submit. The page's script
    (static/activity.js, on every page of a session) posts /keepalive while they type; only
    with the session's CSRF token, and it changes nothing else."""
    import tysha.desk.web.app as web_app

    clock = _Clock()
    monkeypatch.setattr(web_app, "time", clock)
    app = create_app(desk["desk"], port=8090)
    with TestClient(app, base_url=BASE) as c:
        token = login(c)
        page = c.get("/").text
        assert '<script src="/static/activity.js" defer></script>' in page
        script = c.get("/static/activity.js")
        assert script.status_code == 200 and '"/keepalive"' in script.text
        for _ in range(8):  # four hours of typing, a keystroke post every 30 minutes
            clock.now += 29 * 60
            assert c.post("/keepalive", data={"csrf": token}).status_code == 204
        assert c.get("/", follow_redirects=False).status_code == 200
        assert c.post("/keepalive", data={"csrf": "forged"}).status_code == 403
        big = b"csrf=" + b"a" * (2 << 20)  # refused before it is parsed, as on every route
        form = {"content-type": "application/x-www-form-urlencoded"}
        assert c.post("/keepalive", content=big, headers=form).status_code == 413
        clock.now += 31 * 60  # then nothing: the session ends on time
        r = c.post("/keepalive", data={"csrf": token}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
    with TestClient(app, base_url=BASE) as c:
        assert "activity.js" not in c.get("/login").text  # no session, no script


@pytest.mark.parametrize("field", ["text", "note"])
def test_what_the_handler_wrote_survives_the_session_ending(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch, field: str
) -> None:
    """A handler who wrote a reply to a source (or a triage note) while their session ended -
    eight hours since login, 30 minutes without a request, or a new login in another tab -
    lost it on submit: the desk answered with a redirect to the login page (or a bare
    "refused" page for the other tab's token) and the text was gone. Now nothing is sent or
    saved, the login page carries the text (not stored anywhere), and after logging in the
    report comes back with the text in its form, unsent, for the handler to send again."""
    import html

    import tysha.desk.web.app as web_app
    from tysha.desk.service import Desk

    from .test_web_handler import _form
    from .test_web_hostile import rid_of

    clock = _Clock()
    monkeypatch.setattr(web_app, "time", clock)
    action = "/reply" if field == "text" else "/triage"
    typed = "Спасибо. Do not write from home <b>again</b> & stay safe."
    app = create_app(desk["desk"], port=8090)
    with TestClient(app, base_url=BASE) as c:
        login(c)
        rid = rid_of(c, "Summons in every mailbox")
        fields = [(k, v) for k, v in _form(c.get(f"/report/{rid}").text, action) if k != field]
        fields.append((field, typed))
        clock.now += 31 * 60  # typing, with no script to keep the session
        r = c.post(f"/report/{rid}{action}", data=dict(fields), follow_redirects=False)
        assert r.status_code == 401 and 'action="/login"' in r.text
        assert html.escape(typed) in r.text and "<b>again" not in r.text
        # said where the cursor is (a notice on a page that loads is not announced)
        box = re.search(r'<input type="password"[^>]*>', r.text)
        assert box is not None and 'aria-describedby="kept-notice"' in box.group(0)
        assert 'id="kept-notice"' in r.text
        again = dict(_form(r.text, "/login")) | {"passphrase": DESK_PASS}
        assert html.escape(typed) not in c.get("/login").text  # only that page carries it
        r = c.post("/login", data=again, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith(f"/report/{rid}")
        assert typed not in r.headers["location"]
        page = c.get(r.headers["location"]).text
        restored = dict(_form(page, action))
        assert restored[field] == "" and html.escape(typed) in page  # in the textarea
        assert "your session had ended" in page
        # a page from the session before (its token) is given back too, not refused
        other = dict(fields) | {"csrf": "an earlier session's token"}
        r = c.post(f"/report/{rid}{action}", data=other, follow_redirects=False)
        assert r.status_code == 403 and html.escape(typed) in r.text
        assert "your session had ended" in r.text
        # shown once: the report read later is the plain page
        assert html.escape(typed) not in c.get(f"/report/{rid}").text
    with Desk.open(desk["desk"], DESK_PASS) as d:
        v = d.report(rid)
        assert typed not in [q.text for q in d.outbox()] + [x["text"] for x in v.replies]
        assert typed not in [n["text"] for n in v.notes]


def test_the_kept_reply_is_given_back_in_the_handlers_language(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handler working in Ukrainian whose session ended while they wrote a reply was shown
    the login page (the notice that their reply was kept, and how to get it back) in the
    desk's default language, and the desk went on in it after they logged in. The reply form
    now carries the page's language: the login page and the desk after it stay in theirs."""
    import tysha.desk.web.app as web_app
    from tysha.i18n import translations

    from .test_web_handler import _form
    from .test_web_hostile import rid_of

    clock = _Clock()
    monkeypatch.setattr(web_app, "time", clock)
    _ = translations("uk").gettext
    with TestClient(create_app(desk["desk"], port=8090, lang="en"), base_url=BASE) as c:
        login(c)
        rid = rid_of(c, "Summons in every mailbox")
        fields = dict(_form(c.get(f"/report/{rid}?lang=uk").text, "/reply"))
        fields["text"] = "Дякуємо, тримайтеся."
        clock.now += 31 * 60
        r = c.post(f"/report/{rid}/reply", data=fields, follow_redirects=False)
        assert r.status_code == 401 and '<html lang="uk"' in r.text, r.text[:300]
        kept = _("Your session had ended, so your reply was not sent. Log in again: it comes "
                 "back in the reply form, unsent, for you to check and send.")
        assert kept in r.text
        again = dict(_form(r.text, "/login")) | {"passphrase": DESK_PASS}
        page = c.post("/login", data=again).text
        assert '<html lang="uk"' in page and "Дякуємо, тримайтеся." in page


def test_a_kept_reply_is_kept_whole(desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """What is given back after the session ended is what was written, never a cut copy: a
    reply cut to the reply limit would be accepted when sent again, its end silently lost
    (one sent whole is refused as too long, and kept on the page, as before)."""
    import tysha.desk.web.app as web_app

    from .test_web_handler import _form
    from .test_web_hostile import rid_of

    clock = _Clock()
    monkeypatch.setattr(web_app, "time", clock)
    long = "x" * (70 * 1024) + " END"
    with TestClient(create_app(desk["desk"], port=8090), base_url=BASE) as c:
        login(c)
        rid = rid_of(c, "Summons in every mailbox")
        fields = dict(_form(c.get(f"/report/{rid}").text, "/reply")) | {"text": long}
        clock.now += 31 * 60
        r = c.post(f"/report/{rid}/reply", data=fields, follow_redirects=False)
        assert r.status_code == 401 and long in r.text
        page = c.post("/login", data=dict(_form(r.text, "/login")) | {"passphrase": DESK_PASS})
        assert long in page.text
        again = dict(_form(page.text, "/reply")) | {"text": long}
        sent = c.post(f"/report/{rid}/reply", data=again)
        assert sent.status_code == 400 and "The reply was not sent" in sent.text


@pytest.mark.parametrize("action", ["revoke", "restore"])
def test_a_revocation_reason_survives_the_session_ending(
    desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    """A handler who typed why a source's key is revoked (a phone seized) - or restored - while
    their session ended lost the reason on submit: a redirect to the login page, the key
    not revoked and the reason gone. Now nothing is changed, the login page carries the
    reason (stored nowhere), and after logging in the confirmation page comes back with it
    in its form, the key still as it was, for the handler to confirm again."""
    import html

    import tysha.desk.web.app as web_app
    from tysha.desk.service import Desk

    from .test_web_handler import _form

    clock = _Clock()
    monkeypatch.setattr(web_app, "time", clock)
    typed = "Телефон изъят на блокпосту <b>today</b> & the code may be known."
    app = create_app(desk["desk"], port=8090)
    with TestClient(app, base_url=BASE) as c:
        token = login(c)
        sid = re.search(r'href="/sources/([0-9a-z]+)/revoke"', c.get("/sources").text)
        assert sid is not None
        sid = sid.group(1)
        if action == "restore":  # a revoked key to restore
            c.post(f"/sources/{sid}/revoke",
                   data={"csrf": token, "reason": "seized", "confirm": "yes"})  # fmt: skip
        with Desk.open(desk["desk"], DESK_PASS) as d:
            before = (d.source(sid).revoked, len(d.custody()))
        url = f"/sources/{sid}/{action}"
        fields = dict(_form(c.get(url).text, f"/{action}")) | {"reason": typed, "confirm": "yes"}
        clock.now += 31 * 60  # typing
        r = c.post(url, data=fields, follow_redirects=False)
        assert r.status_code == 401 and 'action="/login"' in r.text
        assert html.escape(typed) in r.text and "<b>today" not in r.text
        assert 'id="kept-notice"' in r.text
        box = re.search(r'<input type="password"[^>]*>', r.text)
        assert box is not None and 'aria-describedby="kept-notice"' in box.group(0)
        again = dict(_form(r.text, "/login")) | {"passphrase": DESK_PASS}
        r = c.post("/login", data=again, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == url
        page = c.get(url).text
        assert html.escape(typed) in page and 'id="kept-notice"' in page
        form = dict(_form(page, f"/{action}"))
        assert re.search(r'name="confirm"[^>]*checked', page) is None  # to tick again
        # a page from the session before (its token) gives the reason back too
        r = c.post(url, data=fields, follow_redirects=False)
        assert r.status_code == 403 and html.escape(typed) in r.text
        assert 'id="kept-notice"' in r.text
        assert html.escape(typed) not in c.get(url).text  # shown once
        with Desk.open(desk["desk"], DESK_PASS) as d:
            assert (d.source(sid).revoked, len(d.custody())) == before
        # confirmed again: done, with the reason kept in custody
        r = c.post(url, data=form | {"reason": typed, "confirm": "yes"}, follow_redirects=False)
        assert r.status_code == 303
    with Desk.open(desk["desk"], DESK_PASS) as d:
        assert bool(d.source(sid).revoked) == (action == "revoke")
        assert typed in [str(e["detail"].get("reason")) for e in d.custody()]
