"""An invitation over its life at the desk: made with an expiry, cancelled while unused, and a
damaged invitation or drop record never hiding the others."""

from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
from pathlib import Path
from typing import Any

DESK_PASS = "desk passphrase for tests"


def _damage(desk: Path, table: str, column: str, key: Any) -> None:
    with contextlib.closing(sqlite3.connect(desk / "desk.db")) as db, db:
        row = db.execute(f"SELECT enc FROM {table} WHERE {column} = ?", (key,)).fetchone()
        enc = bytearray(row[0])
        enc[40] ^= 1
        db.execute(f"UPDATE {table} SET enc = ? WHERE {column} = ?", (bytes(enc), key))


def _login(c: Any) -> str:
    assert c.post("/login", data={"passphrase": DESK_PASS},
                  follow_redirects=False).status_code == 303  # fmt: skip
    page = c.get("/invitations").text
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m
    return m.group(1)


def test_a_damaged_invitation_or_drop_record_hides_none_of_the_others(tmp_path: Path) -> None:
    """A record of the invitations (or of the drops) that no longer decrypted made the web
    invitations page answer 500, and Desk.drops() (that page, the share form) raise: the
    handler could neither see the other invitations nor make a new one."""
    from starlette.testclient import TestClient

    from tysha.desk.service import Desk
    from tysha.desk.web.app import create_app
    from tysha.tlog import NoteSigner

    a, b = "http://127.0.0.1:9/a/", "http://127.0.0.1:9/b/"
    desk = tmp_path / "desk"
    Desk.init(desk, "Olena", DESK_PASS)
    with Desk.open(desk, DESK_PASS) as d:
        vkeys = [NoteSigner(f"drop{i}.example/log", bytes([i]) * 32).verifier().vkey
                 for i in (1, 2)]  # fmt: skip
        d.invite([a], vkeys[0])
        d.invite([b], vkeys[1])
        ids = [i["id"] for i in d.invitations()]
    bad_inv = ids[1]
    _damage(desk, "invitations", "id", bad_inv)
    _damage(desk, "drops", "url_hash", hashlib.sha256(b.encode()).digest())

    with Desk.open(desk, DESK_PASS) as d:
        damaged: list[str] = []
        assert [x["url"] for x in d.drops(damaged)] == [a]
        assert damaged == [hashlib.sha256(b.encode()).hexdigest()]
        assert d.share_choices()["drops"] == [a]
        assert d.share_choices()["damaged_drops"] == damaged
        # A new invitation through a readable drop is still made.
        d.invite([a], vkeys[0])

    with TestClient(create_app(desk, port=8090), base_url="http://127.0.0.1:8090") as c:
        csrf = _login(c)
        page = c.get("/invitations")
        assert page.status_code == 200, page.text
        assert ids[0][:8] in page.text or a in page.text
        assert re.search(r'<p class="bad" role="alert">[^<]*damaged[^<]*</p>', page.text)
        assert bad_inv in page.text
        assert hashlib.sha256(b.encode()).hexdigest() in page.text
        r = c.post("/invitations", data={"csrf": csrf, "drop": a, "drop_key": vkeys[0]})
        assert r.status_code == 200 and "hand it over in person" in r.text
        share = c.get("/share")
        assert share.status_code == 200 and hashlib.sha256(b.encode()).hexdigest() in share.text
