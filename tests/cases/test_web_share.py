"""The web desk's share preview (issue 12): a handler chooses an incident or reports and an
analyst desk, sees exactly the de-identified content, ticks the free text it approves, and
confirms; only the confirmation sends, and it sends what was shown. Analyst and escrow desks
get 403 on every share route. A real drop; the web desk in-process."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tysha.desk.service import Desk
from tysha.desk.web.app import create_app
from tysha.protocol import Identity

from .test_share import CHILD, PASS, SECRET_TEXT, _plaintext, _Recording, _report

BASE = "http://127.0.0.1:8090"


def _client(desk_dir: Path) -> tuple[TestClient, str]:
    c = TestClient(create_app(desk_dir, port=8090, client_factory=_Recording), base_url=BASE)
    c.__enter__()
    assert c.post("/login", data={"passphrase": PASS}, follow_redirects=False).status_code == 303
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/").text)
    assert token is not None
    return c, token.group(1)


def _hidden(page: str) -> dict[str, str]:
    return {
        m.group(1): html.unescape(m.group(2))
        for m in re.finditer(r'<input type="hidden" name="([a-z]+)" value="([^"]*)"', page)
    }


@pytest.fixture
def cell(tmp_path: Path, drop: tuple[str, str, Path]) -> dict[str, Any]:
    url, vkey, _ = drop
    Desk.init(tmp_path / "h", "Cell", PASS)
    handler = Desk.open(tmp_path / "h", PASS, client_factory=_Recording)
    src = Identity.generate(os.urandom)
    _report(url, handler, handler.invite(url, vkey), src, b"\xff\xd8photo-one" * 50, SECRET_TEXT)
    _report(url, handler, handler.invite(url, vkey), Identity.generate(os.urandom),
            b"\xff\xd8photo-two" * 50, "the second report's own words")  # fmt: skip
    handler.fetch()
    first = next(v for v in handler.reports() if v.text == SECRET_TEXT)
    second = next(v for v in handler.reports() if v.text != SECRET_TEXT)
    iid = handler.create_incident("Column", [first.id], "H")
    handler.add_act(iid, {"category": "chd", "victims": "1", "protected": [CHILD],
                          "reports": [first.id]}, "H")  # fmt: skip
    handler.close()
    Desk.init(tmp_path / "a", "Analyst", PASS, "analyst")
    analyst = Desk.open(tmp_path / "a", PASS)
    analyst.watch_drop(url, vkey)
    key = analyst.store.public.to_text()
    analyst.close()
    _Recording.sent = []
    return {"h": tmp_path / "h", "a": tmp_path / "a", "iid": iid, "first": first.id,
            "second": second.id, "analyst_key": key, "source": src}  # fmt: skip


def test_preview_shows_what_is_sealed_and_only_the_confirmation_sends(
    cell: dict[str, Any],
) -> None:
    c, token = _client(cell["h"])
    home = c.get("/").text
    assert 'href="/share"' in home
    form = c.get(f"/share?incident={cell['iid']}").text
    assert f'<option value="{cell["iid"]}" selected>' in form
    assert 'href="/share?incident=' in c.get(f"/incident/{cell['iid']}").text

    # The preview: every field that will be sealed, the free text shown to the handler
    # folded away with its box unticked; nothing sent yet.
    r = c.post("/share/preview", data={"csrf": token, "analyst": cell["analyst_key"],
                                       "incident": cell["iid"]})  # fmt: skip
    assert r.status_code == 200, r.text
    page = r.text
    assert cell["first"] in page and "Vasylivka" in page and "original-1" in page
    assert html.escape(SECRET_TEXT) in page  # the handler reads what it would approve
    assert f'name="text" value="{cell["first"]}">' in page and "checked" not in page
    assert "Olena" not in page and cell["source"].public().to_text() not in page
    assert _Recording.sent == []
    fields = _hidden(page)
    assert set(fields) >= {"csrf", "analyst", "incident", "reports", "digest"}
    assert fields["reports"] == cell["first"]

    # A forged form, or a digest that is not the preview's: nothing is sent.
    assert c.post("/share", data={**fields, "csrf": "forged"}).status_code == 403
    r = c.post("/share", data={**fields, "digest": "0" * 64})
    assert r.status_code == 409 and "Nothing was sent" in r.text
    # The same preview parameters with one more report is another plan: refused too.
    r = c.post("/share", data={**fields, "reports": f"{cell['first']} {cell['second']}"})
    assert r.status_code == 409
    assert _Recording.sent == []

    # Confirmed without ticking the text: one envelope, and no free text in it.
    r = c.post("/share", data=fields)
    assert r.status_code == 200 and "1 report sealed and sent" in r.text, r.text
    [env] = _Recording.sent
    analyst = Desk.open(cell["a"], PASS)
    plain = _plaintext(env, analyst)
    pub = cell["source"].public()
    for secret in (SECRET_TEXT.encode(), pub.to_text().encode(), pub.sign, b"Olena", b"petro"):
        assert secret not in plain, secret

    # A second share of both reports, the second one's text approved: only that text goes.
    r = c.post("/share/preview", data={"csrf": token, "analyst": cell["analyst_key"],
                                       "reports": f"{cell['first']} {cell['second']}"})  # fmt: skip
    fields = _hidden(r.text)
    _Recording.sent = []
    r = c.post("/share", data={**fields, "text": cell["second"]})
    assert r.status_code == 200 and "2 reports sealed and sent" in r.text
    plains = [_plaintext(e, analyst) for e in _Recording.sent]
    assert sum(b"the second report's own words" in p for p in plains) == 1
    assert not any(SECRET_TEXT.encode() in p for p in plains)
    analyst.close()
    c.__exit__(None, None, None)


def test_bad_share_input_is_refused_and_sends_nothing(cell: dict[str, Any]) -> None:
    c, token = _client(cell["h"])
    for data in ({"analyst": "not a key", "incident": cell["iid"]},
                 {"analyst": cell["analyst_key"]},  # nothing chosen
                 {"analyst": cell["analyst_key"], "reports": "ffffffffffff"}):  # fmt: skip
        r = c.post("/share/preview", data={"csrf": token, **data})
        assert r.status_code in (400, 404) and "Traceback" not in r.text, data
    assert c.post("/share/preview", data={"csrf": token, "analyst": cell["analyst_key"],
                                          "incident": "00000000deadbeef"}).status_code == 404
    assert _Recording.sent == []
    c.__exit__(None, None, None)


def test_an_analyst_desk_has_no_share_routes(cell: dict[str, Any]) -> None:
    c, token = _client(cell["a"])
    assert 'href="/share"' not in c.get("/").text
    assert c.get("/share").status_code == 403
    for path in ("/share/preview", "/share"):
        r = c.post(path, data={"csrf": token, "analyst": cell["analyst_key"], "reports": "x"})
        assert r.status_code == 403, path
    assert _Recording.sent == []
    c.__exit__(None, None, None)


@pytest.mark.parametrize("lang", ["uk", "ru", "crh"])
def test_share_pages_are_translated(cell: dict[str, Any], lang: str) -> None:
    from desk_web.test_i18n import english_leaks

    c, token = _client(cell["h"])
    pages = {"form": c.get(f"/share?lang={lang}").text}
    r = c.post("/share/preview", data={"csrf": token, "analyst": cell["analyst_key"],
                                       "incident": cell["iid"]})  # fmt: skip
    pages["preview"] = r.text
    # The originals' sizes in the page's words, as on the report page (not "550 B").
    from tysha.i18n import ngettext_for

    size = ngettext_for(lang)("%(n)d byte", "%(n)d bytes", 550) % {"n": 550}
    assert size in r.text and " 550 B " not in r.text
    pages["changed"] = c.post("/share", data={**_hidden(r.text), "digest": "0" * 64}).text
    pages["done"] = c.post("/share", data=_hidden(r.text)).text
    pages["incident"] = c.get(f"/incident/{cell['iid']}").text
    pages["map"] = c.get("/map").text
    pages["timeline"] = c.get("/timeline").text
    leaks = {k: english_leaks(v, lang) for k, v in pages.items()}
    assert not {k: v for k, v in leaks.items() if v}, leaks
    c.__exit__(None, None, None)


@pytest.mark.parametrize("lang", ["uk", "ru", "crh"])
def test_handler_flags_at_preview_and_analyst_are_translated(
    cell: dict[str, Any], lang: str
) -> None:
    """A revoked source's report: its flag on the handler's preview and, once shared, on the
    analyst's report page (as the handler's), each in the page's language, no English left."""
    from desk_web.test_i18n import english_leaks

    from tysha.i18n import gettext_for

    _ = gettext_for(lang)
    handler = Desk.open(cell["h"], PASS)
    handler.revoke(next(s.id for s in handler.sources()), "phone seized")
    flagged = next(v.id for v in handler.reports() if v.flags)
    hkey = handler.store.public.to_text()
    handler.close()
    c, token = _client(cell["h"])
    c.get(f"/?lang={lang}")
    r = c.post("/share/preview", data={"csrf": token, "analyst": cell["analyst_key"],
                                       "reports": flagged})  # fmt: skip
    assert r.status_code == 200 and _("revoked key") in r.text
    assert html.escape(_("The sender's key has been revoked as compromised."), False) in r.text
    assert not english_leaks(r.text, lang)
    assert c.post("/share", data=_hidden(r.text)).status_code == 200
    c.__exit__(None, None, None)
    analyst = Desk.open(cell["a"], PASS)
    analyst.pin_handler(hkey)
    analyst.fetch()
    [v] = analyst.reports()
    assert v.flag_codes == ["shared-revoked-source"]
    analyst.close()
    c, _token = _client(cell["a"])
    c.get(f"/?lang={lang}")
    page = c.get(f"/report/{v.id}").text
    assert html.escape(_("handler: revoked key"), False) in page
    assert not english_leaks(page, lang)
    c.__exit__(None, None, None)


def test_the_preview_isolates_an_attachments_media_type(
    tmp_path: Path, drop: tuple[str, str, Path]
) -> None:
    """An attachment's media type is the sender's text (the manifest bounds only its length):
    the share preview printed it raw in the line that ends with the original's size and hash,
    so a right-to-left override in it reversed them there. It is now shown as the other
    fields are: isolated, the override a visible token."""
    import hashlib

    from tysha.protocol import Attachment, Manifest, frame_content, seal_envelope
    from tysha.transport import DropClient

    url, vkey, _ = drop
    Desk.init(tmp_path / "h", "Cell", PASS)
    handler = Desk.open(tmp_path / "h", PASS, client_factory=_Recording)
    inv = handler.invite(url, vkey)
    ident = Identity.generate(os.urandom)
    photo = b"\xff\xd8photo" * 40
    att = Attachment("p.jpg", "image/jpeg\u202e", len(photo), hashlib.sha256(photo).digest())
    body = {"categories": ["det"], "text": "t", "when": "2026-03-01 08:00", "where": "Tokmak"}
    m = Manifest("report", ident.public(), body, (att,), inv.secret).signed(ident)
    with DropClient(url) as client:
        client.upload(seal_envelope(frame_content(m.to_bytes()) + photo,
                                    [handler.store.public], os.urandom))  # fmt: skip
    handler.fetch()
    rid = handler.reports()[0].id
    handler.close()
    Desk.init(tmp_path / "a", "Analyst", PASS, "analyst")
    analyst = Desk.open(tmp_path / "a", PASS)
    key = analyst.store.public.to_text()
    analyst.close()
    c, token = _client(tmp_path / "h")
    page = c.post("/share/preview", data={"csrf": token, "analyst": key, "reports": rid}).text
    assert "original-1" in page and "\u202e" not in page and "⟨U+202E⟩" in page


def test_a_share_confirmed_twice_is_sent_once(cell: dict[str, Any]) -> None:
    """The "Shared" page is the answer to the confirming POST: reloading it (the browser's
    "resubmit the form?"), going back and confirming again, or a second click while the
    drop was slow sealed and sent the same reports to the analyst desk again. The preview's
    form now carries a one-time token: confirmed again it sends nothing and says so."""
    c, token = _client(cell["h"])
    r = c.post("/share/preview", data={"csrf": token, "analyst": cell["analyst_key"],
                                       "reports": cell["second"]})  # fmt: skip
    fields = _hidden(r.text)
    r = c.post("/share", data=fields)
    assert r.status_code == 200 and "1 report sealed and sent" in r.text, r.text
    again = c.post("/share", data=fields)
    assert "not sent again" in again.text and "sealed and sent" not in again.text
    assert len(_Recording.sent) == 1
    # a new preview of the same reports is a new decision: it sends
    fields = _hidden(c.post("/share/preview", data={
        "csrf": token, "analyst": cell["analyst_key"], "reports": cell["second"]}).text)
    assert "1 report sealed and sent" in c.post("/share", data=fields).text
    assert len(_Recording.sent) == 2
    c.__exit__(None, None, None)


def test_the_preview_shows_the_camera_position_and_times_that_are_sealed(
    tmp_path: Path, drop: tuple[str, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The preview, "exactly what will be sealed", listed each original by type, size and
    hash only, while the share re-attests the source's verified capture claims: the camera's
    GPS position (often where the source stood, or lives) and its clock went to the analyst
    unseen. The preview shows them, and says the originals go byte for byte with whatever
    metadata they hold."""
    import hashlib

    from tysha.protocol import (
        Attachment,
        CaptureAttestation,
        Manifest,
        frame_content,
        seal_envelope,
    )
    from tysha.transport import DropClient

    url, vkey, _ = drop
    Desk.init(tmp_path / "h", "Cell", PASS)
    handler = Desk.open(tmp_path / "h", PASS, client_factory=_Recording)
    inv = handler.invite(url, vkey)
    src = Identity.generate(os.urandom)
    photo = b"\xff\xd8photo-gps" * 50
    sha = hashlib.sha256(photo).digest()
    claims = {"sha256": sha, "size": len(photo), "media_type": "image/jpeg",
              "exif_gps": [47385112, 35981234], "exif_time": "2026:03:01 07:58:00",
              "device_time": "2026-03-01T08:00:00Z"}  # fmt: skip
    att = Attachment("a.jpg", "image/jpeg", len(photo), sha, CaptureAttestation.create(src, claims))
    body = {"categories": ["det"], "text": "t", "when": "2026-03-01 08:00", "where": "Vasylivka"}
    m = Manifest("report", src.public(), body, (att,), inv.secret).signed(src)
    with DropClient(url) as dc:
        dc.upload(seal_envelope(frame_content(m.to_bytes()) + photo, [handler.store.public],
                                os.urandom))  # fmt: skip
    handler.fetch()
    [rep] = handler.reports()
    Desk.init(tmp_path / "a", "Analyst", PASS, "analyst")
    analyst = Desk.open(tmp_path / "a", PASS)
    key = analyst.store.public.to_text()
    # The terminal's preview (`desk share` on a terminal) says the same.
    from tysha.desk.cli import _preview

    _preview(handler.share_plan(key, [rep.id]), with_text=False)
    out = capsys.readouterr().out
    assert "original-1: camera position (EXIF): 47.385112, 35.981234" in out
    assert "2026:03:01 07:58:00" in out and "byte for byte" in out
    handler.close()
    _Recording.sent = []
    c, token = _client(tmp_path / "h")
    r = c.post("/share/preview", data={"csrf": token, "analyst": key, "reports": rep.id})
    assert r.status_code == 200, r.text
    item = r.text[r.text.index(f'id="share-{rep.id}"') :]
    assert "camera position (EXIF)" in item and "47.385112, 35.981234" in item
    assert "2026:03:01 07:58:00" in item and "2026-03-01T08:00:00Z" in item
    assert 'id="share-originals-note"' in r.text
    uk = c.post("/share/preview?lang=uk", data={"csrf": token, "analyst": key,
                                                "reports": rep.id}).text  # fmt: skip
    assert 'id="share-originals-note"' in uk and "byte for byte" not in uk
    # What the preview shows is what is sealed: the position is in the envelope.
    r = c.post("/share", data=_hidden(r.text))
    assert r.status_code == 200, r.text
    [env] = _Recording.sent
    plain = _plaintext(env, analyst)
    [sealed] = Manifest.from_bytes(plain[4 : 4 + int.from_bytes(plain[:4], "big")]).attachments
    assert sealed.attestation is not None
    assert sealed.attestation.claims["exif_gps"] == [47385112, 35981234]
    analyst.close()
    c.__exit__(None, None, None)


def test_every_badge_of_an_unpinned_handlers_share_gives_the_report_pages_reason(
    cell: dict[str, Any],
) -> None:
    """A share from a handler desk the analyst has not pinned: the report page says the
    handler desk is not pinned, but the badges in lists (inbox, incident, incidents, timeline,
    map) had the generic "never enrolled at this desk" tooltip, and their label "unknown
    sender": a doubt about the source, not about the analyst's own pin. Every badge now gives
    the report page's reason."""
    handler = Desk.open(cell["h"], PASS, client_factory=_Recording)
    handler.share(handler.share_plan(cell["analyst_key"], [cell["first"], cell["second"]]))
    handler.close()
    analyst = Desk.open(cell["a"], PASS)
    assert len(analyst.fetch().new_reports) == 2
    ids = [v.id for v in analyst.reports()]
    iid = analyst.create_incident("Column", ids, "A")
    analyst.add_act(iid, {"category": "det", "start": "2026-03-01T08:00Z", "place": "Vasylivka",
                          "lat": "47.43", "lon": "35.27", "reports": ids}, "A")  # fmt: skip
    analyst.close()
    c, _ = _client(cell["a"])
    report = c.get(f"/report/{ids[0]}").text
    assert "not pinned at this analyst desk" in report and "never enrolled" not in report
    for path in ("/", f"/incident/{iid}", "/incidents", "/timeline", "/map"):
        page = c.get(path).text
        titles = re.findall(r'class="badge bad flag" title="([^"]*)"', page)
        assert titles, path
        assert any("not pinned at this analyst desk" in t for t in titles), path
        assert "never enrolled" not in page and "unknown sender" not in page, path
    c.__exit__(None, None, None)
