"""What the escrow desk says about an incident's support is what it knows (review of the escrow
desk): it enrols no one and cannot check an invitation, so every sender key whose reports it
can open gets a pseudonym, and the cell a report names is the sender's own word. Whoever holds
one invitation (the escrow key is in every one) can make up any number of keys and name any
cell; the escrow desk must not call those keys "independent trusted sources". A handler desk's
enrolled sources are counted as before."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from tysha.desk.service import Desk
from tysha.desk.web.app import create_app
from tysha.protocol import Identity

from .helpers import PASS, add_report, escrow_report, make_desk

BASE = "http://127.0.0.1:8090"
UNVOUCHED = "not vouched for (the escrow desk enrols no one; one sender can make many keys)"


def _made_up_key_report(desk: Desk, to: str, receipt: bool = True) -> str:
    """A report as the escrow desk's fetch stores it, from a key nobody enrolled."""
    return escrow_report(desk, Identity.generate(os.urandom), to, receipt)[0]


def _web(desk_dir: Path, *paths: str) -> list[str]:
    c = TestClient(create_app(desk_dir, port=8090), base_url=BASE)
    with c:
        assert c.post("/login", data={"passphrase": PASS}).status_code == 200
        return [c.get(p).text for p in paths]


def test_made_up_keys_at_the_escrow_desk_are_not_independent_trusted_sources(
    tmp_path: Path, cli: Any
) -> None:
    desk = make_desk(tmp_path, "escrow")
    cells = ["a" * 40, "b" * 40, "c" * 40]  # three handler desks, as the senders name them
    rids = [_made_up_key_report(desk, cells[n % 3]) for n in range(5)]
    iid = desk.create_incident("Tokmak", rids, "E")
    assert desk.incident_cells(iid) == 3
    desk.close()

    listing, page, uk = _web(tmp_path / "desk", "/incidents", f"/incident/{iid}",
                             f"/incident/{iid}?lang=uk")  # fmt: skip
    for html in (listing, page):
        assert "independent" not in html
        assert "supported by 5 reports from 5 source keys, " + UNVOUCHED in html
    assert "3 cells, as the sources say or as recorded here" in page
    assert "незалежних" not in uk and "ключів джерел: 5" in uk and "осередків: 3" in uk

    env = {"TYSHA_PASSPHRASE": PASS}
    text = cli("desk", "incidents", "--desk", tmp_path / "desk", env=env).stdout
    assert "independent" not in text
    assert "supported by 5 reports from 5 source keys, " + UNVOUCHED in text
    [row] = json.loads(cli("desk", "incidents", "--desk", tmp_path / "desk", "--json",
                           env=env).stdout)  # fmt: skip
    # The keys scripts read are kept; the new field says the count is not of vouched sources.
    assert row["independent_sources"] == 5 and row["sources_vouched"] is False

    # A flagged report (its receipt does not verify) is still counted apart.
    desk = Desk.open(tmp_path / "desk", PASS)
    desk.attach_reports(iid, [_made_up_key_report(desk, cells[0], receipt=False)], "E")
    desk.close()
    [page] = _web(tmp_path / "desk", f"/incident/{iid}")
    text = cli("desk", "incidents", "--desk", tmp_path / "desk", env=env).stdout
    flagged = "supported by 6 reports (1 flagged) from 5 unflagged source keys, " + UNVOUCHED
    assert flagged in page and flagged + " (flagged: receipt-unverified)" in text
    assert "independent" not in page and "independent" not in text


def test_a_handler_desks_enrolled_sources_are_still_independent(tmp_path: Path, cli: Any) -> None:
    desk = make_desk(tmp_path, "handler")
    rids = [add_report(desk, k, trusted=True) for k in ("key-A", "key-B")]
    iid = desk.create_incident("Tokmak", rids, "H")
    desk.close()
    [page] = _web(tmp_path / "desk", f"/incident/{iid}")
    assert "supported by 2 reports from 2 independent sources" in page
    assert "source keys" not in page
    env = {"TYSHA_PASSPHRASE": PASS}
    [row] = json.loads(cli("desk", "incidents", "--desk", tmp_path / "desk", "--json",
                           env=env).stdout)  # fmt: skip
    assert row["independent_sources"] == 2 and row["sources_vouched"] is True


def test_the_escrow_desks_report_page_offers_no_reply_and_says_why(tmp_path: Path) -> None:
    """The escrow desk's report page offered "Send encrypted reply": a reply its source would
    never read (signed by a key the source never pinned). It says why there is no reply."""
    desk = make_desk(tmp_path, "escrow")
    rid = _made_up_key_report(desk, "a" * 40)
    desk.close()
    [page, uk] = _web(tmp_path / "desk", f"/report/{rid}", f"/report/{rid}?lang=uk")
    assert f'action="/report/{rid}/reply"' not in page and 'id="reply-escrow"' in page
    assert "an escrow desk does not reply" in page and "депозитарій не відповідає" in uk


def test_a_report_from_a_key_not_enrolled_here_offers_no_reply(tmp_path: Path) -> None:
    """A report from a key this cell never enrolled (a photographed invitation used again)
    offered "Send encrypted reply" like any other: the reply went to whoever held the key.
    The page says why there is no reply."""
    from .helpers import add_report

    desk = make_desk(tmp_path, "handler")
    rid = add_report(desk, Identity.generate(os.urandom).public().to_text())
    desk.close()
    [page, ru] = _web(tmp_path / "desk", f"/report/{rid}", f"/report/{rid}?lang=ru")
    assert f'action="/report/{rid}/reply"' not in page and 'id="reply-unenrolled"' in page
    assert "не подключён на этом рабочем месте" in ru


def test_a_reply_posted_at_the_escrow_desk_keeps_the_typed_text(tmp_path: Path) -> None:
    """A reply posted anyway (an old tab, a bookmark) is refused with "Your text is kept
    below", and the text was not below: the escrow branch had no place for it."""
    import re

    desk = make_desk(tmp_path, "escrow")
    rid = _made_up_key_report(desk, "a" * 40)
    desk.close()
    c = TestClient(create_app(tmp_path / "desk", port=8090), base_url=BASE)
    with c:
        assert c.post("/login", data={"passphrase": PASS}).status_code == 200
        token = re.search(r'name="csrf" value="([^"]+)"', c.get("/").text).group(1)  # type: ignore[union-attr]
        r = c.post(f"/report/{rid}/reply", data={"csrf": token, "text": "typed at length"})
    assert r.status_code == 400 and 'id="reply-escrow"' in r.text
    assert "typed at length" in r.text


def test_revoking_at_the_escrow_desk_says_it_does_not_reach_the_handler(
    tmp_path: Path, cli: Any
) -> None:
    """The escrow desk's "Revoke key" page said "Do this when the phone may be in someone
    else's hands", as at a handler desk: the organisation's escrow operator, told of a seized
    phone, revoked the key there and believed it done, while the handler desk that enrolled
    the source (its own pseudonyms, its own numbering) still trusted the key and replied to
    it. The page and the command say the revocation is this desk's only, and to match the
    fingerprint at the handler desk."""
    desk = make_desk(tmp_path, "escrow")
    _rid, sid = escrow_report(desk, Identity.generate(os.urandom), "a" * 40)
    desk.close()
    note = "Only this escrow desk flags the key"
    page, uk = _web(tmp_path / "desk", f"/sources/{sid}/revoke", f"/sources/{sid}/revoke?lang=uk")
    assert note in page and 'id="escrow-revoke"' in page and "handler desk" in page
    assert 'id="escrow-revoke"' in uk and "Only this" not in uk
    env = {"TYSHA_PASSPHRASE": PASS}
    out = cli("desk", "revoke", sid, "--desk", tmp_path / "desk", "--reason", "seized",
              "--yes", env=env)  # fmt: skip
    assert out.returncode == 0 and note in out.stdout
    # A handler desk's revocation is the real one: no such note there.
    hdesk = make_desk(tmp_path / "h", "handler")
    add_report(hdesk, "key-A", trusted=True)
    [hsrc] = hdesk.sources()
    hdesk.close()
    [hpage] = _web(tmp_path / "h" / "desk", f"/sources/{hsrc.id}/revoke")
    assert 'id="escrow-revoke"' not in hpage and note not in hpage


def test_the_escrow_desk_offers_no_invitation_form(tmp_path: Path) -> None:
    """The escrow desk's menu led to "Invitations" with the form "Make a one-time invitation",
    which always ended in an error page ("only a handler desk enrols sources"). The escrow
    desk's page says why it makes none, and offers no form; the handler desk's is unchanged."""
    make_desk(tmp_path, "escrow").close()
    home, page, uk = _web(tmp_path / "desk", "/", "/invitations", "/invitations?lang=uk")
    assert 'href="/invitations"' not in home
    assert 'action="/invitations"' not in page and 'id="invite-escrow"' in page
    assert 'id="invite-escrow"' in uk and "An escrow desk makes no invitations" not in uk
    make_desk(tmp_path / "h", "handler").close()
    hhome, hpage = _web(tmp_path / "h" / "desk", "/", "/invitations")
    assert 'href="/invitations"' in hhome and 'action="/invitations"' in hpage
    assert 'id="invite-escrow"' not in hpage
