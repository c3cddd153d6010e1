"""An invitation over its life at the desk: made with an expiry, cancelled while unused, and a
damaged invitation or drop record never hiding the others."""

from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
from pathlib import Path
from typing import Any

from tests.desk.test_desk import world  # noqa: F401 - a fixture

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


def test_a_damaged_invitation_or_drop_record_hides_none_of_the_others(
    tmp_path: Path, cli: Any
) -> None:
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

    env = {"TYSHA_PASSPHRASE": DESK_PASS}
    r = cli("desk", "invitations", "--desk", desk, "--json", env=env, check=False)
    import json

    assert ids[0] in [i["id"] for i in json.loads(r.stdout)] and bad_inv not in r.stdout
    assert r.returncode == 1 and bad_inv in r.stderr and "damaged" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr

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


def _first_report_under(w: dict[str, Any], cli: Any, code: str, name: str, text: str) -> None:
    vault = w["tmp"] / f"{name}.vault"
    cli("source", "init", "--vault", str(vault), "--size", "4MiB", env=w["senv"])
    cli("source", "enroll", "--vault", str(vault), "--invitation", code, env=w["senv"])
    cli("source", "report", "--vault", str(vault), "--category", "det", "--text", text,
        env=w["senv"])  # fmt: skip
    cli("source", "send", "--vault", str(vault), "--now", env=w["senv"])


def test_an_expired_or_cancelled_invitation_enrols_no_one(
    world: dict[str, Any], cli: Any  # noqa: F811 - the imported fixture
) -> None:
    """Invitations never expired and an unused one could not be cancelled: a code photographed
    at hand-over or found on a seized phone enrolled a stranger's key, at any later time, as a
    trusted source of the cell. Now each is made with an expiry (said when it is made) and can
    be cancelled; a first report under an expired or cancelled one is kept, flagged."""
    import json

    from tysha.desk.store import DeskStore

    w = world
    d, denv = str(w["desk"]), w["denv"]
    # The world's invitation (made with the default 14 days), its code never used yet.
    made = cli("desk", "invite", "--desk", d, "--drop", w["url"], "--drop-key", w["vkey"],
               "--valid-days", "30", env=denv)  # fmt: skip
    assert made.stdout.strip().startswith("TYSHA2:") and "\n" not in made.stdout.strip()
    m = re.search(r"invitation ([0-9a-f]{16}): valid until (\d{4}-\d\d-\d\d \d\d:\d\d) UTC",
                  made.stderr)  # fmt: skip
    assert m, made.stderr
    second, second_code = m.group(1), made.stdout.strip()
    listed = json.loads(cli("desk", "invitations", "--desk", d, "--json", env=denv).stdout)
    assert [i["state"] for i in listed] == ["open", "open"]
    first = listed[0]
    assert first["expires_at"] > first["created_at"]
    for bad in ("0", "367", "-1"):
        r = cli("desk", "invite", "--desk", d, "--drop", w["url"], "--drop-key", w["vkey"],
                "--valid-days", bad, env=denv, check=False)  # fmt: skip
        assert r.returncode != 0 and r.stdout == "" and "Traceback" not in r.stderr

    # The first invitation's time runs out (set here; the desk keeps it in its record).
    store = DeskStore.open(w["desk"], DESK_PASS)
    code = store.get_invitation(first["id"]).text
    store._invitations.update(first["id"], lambda i: setattr(i, "expires_at", "2000-01-01T00:00:00Z"))
    store.close()
    # The real source (the world's vault) sends under it only now; so does the cancelled one's.
    from tests.desk.test_desk import send_report

    send_report(w, cli, "sent after the invitation expired", ["det"])
    r = cli("desk", "invitations", "--desk", d, "--cancel", second, env=denv)
    assert second in r.stdout and "cancelled" in r.stdout
    r = cli("desk", "invitations", "--desk", d, "--cancel", second, env=denv, check=False)
    assert r.returncode == 1 and "already cancelled" in r.stderr
    _first_report_under(w, cli, second_code, "finder", "planted under a cancelled code")
    cli("desk", "fetch", "--desk", d, env=denv, check=False)

    reports = {r["text"]: r for r in json.loads(
        cli("desk", "list", "--desk", d, "--json", env=denv).stdout)}  # fmt: skip
    assert set(reports) == {"sent after the invitation expired", "planted under a cancelled code"}
    for text, why in (("sent after the invitation expired", "expired"),
                      ("planted under a cancelled code", "cancelled")):  # fmt: skip
        v = reports[text]
        assert v["trusted"] is False and v["flag_codes"] == ["unenrolled-source"], v
        shown = json.loads(cli("desk", "show", v["id"], "--desk", d, "--json", env=denv).stdout)
        assert any(why in p and "invitation" in p for p in shown["problems"]), shown["problems"]
    store = DeskStore.open(w["desk"], DESK_PASS)
    assert store.list_sources() == []  # no one enrolled
    actions = [e["action"] for e in store.custody_events()]
    assert "invitation-cancelled" in actions and actions.count("invitation-refused") >= 2
    store.close()
    listed = {i["id"]: i["state"] for i in json.loads(
        cli("desk", "invitations", "--desk", d, "--json", env=denv).stdout)}  # fmt: skip
    assert listed == {first["id"]: "expired", second: "cancelled"}
    assert code  # the expired code itself is unchanged: the expiry is the desk's


def test_an_invitation_used_once_cannot_be_cancelled_and_the_web_desk_cancels(
    tmp_path: Path,
) -> None:
    from starlette.testclient import TestClient

    from tysha.desk.service import Desk
    from tysha.desk.web.app import create_app
    from tysha.protocol import Identity
    from tysha.tlog import NoteSigner

    desk = tmp_path / "desk"
    Desk.init(desk, "Olena", DESK_PASS)
    vkey = NoteSigner("drop.example/log", bytes(32)).verifier().vkey
    with Desk.open(desk, DESK_PASS) as d:
        used = d.invite(["http://127.0.0.1:9/"], vkey)
        assert d.store.source_for(Identity.generate(__import__("os").urandom).public(),
                                  used.secret) is not None  # fmt: skip
        used_id = d.invitation_of(used)["id"]
        with __import__("pytest").raises(Exception, match="already enrolled a source"):
            d.cancel_invitation(used_id)
    with TestClient(create_app(desk, port=8090), base_url="http://127.0.0.1:8090") as c:
        csrf = _login(c)
        r = c.post("/invitations", data={"csrf": csrf, "drop": "http://127.0.0.1:9/",
                                         "drop_key": vkey, "valid_days": "7"})  # fmt: skip
        assert r.status_code == 200 and "Valid until" in r.text, r.text
        with Desk.open(desk, DESK_PASS) as d:
            new = next(i for i in d.invitations() if i["id"] != used_id)
        assert new["expires_at"][:16].replace("T", " ") in r.text
        assert f'href="/invitations/{new["id"]}/cancel"' in r.text  # (confirmed there)
        assert f'href="/invitations/{used_id}/cancel"' not in r.text  # used: nothing to cancel
        # Without the CSRF token: refused, nothing changed.
        bad = c.post(f"/invitations/{new['id']}/cancel", data={"confirm": "yes"},
                     follow_redirects=False)  # fmt: skip
        assert bad.status_code in (400, 403)
        r = c.post(f"/invitations/{new['id']}/cancel", data={"csrf": csrf, "confirm": "yes"},
                   follow_redirects=False)  # fmt: skip
        assert r.status_code == 303
        r = c.post(f"/invitations/{used_id}/cancel", data={"csrf": csrf, "confirm": "yes"})
        assert r.status_code == 400 and "already enrolled a source" in r.text
        assert c.post("/invitations/nosuch/cancel", data={"csrf": csrf}).status_code == 404
        # A validity out of range or not a number: refused, no invitation made (checked below).
        for bad in ("0", "367", "x", "99999", "-1"):
            r = c.post("/invitations", data={"csrf": csrf, "drop": "http://127.0.0.1:9/",
                                             "drop_key": vkey, "valid_days": bad})  # fmt: skip
            assert r.status_code == 400 and "days" in r.text, bad
    with Desk.open(desk, DESK_PASS) as d:
        states = {i["id"]: i["state"] for i in d.invitations()}
        assert states == {used_id: "used", new["id"]: "cancelled"}
        assert sum(e["action"] == "invitation-cancelled" for e in d.store.custody_events()) == 1


def test_an_invitation_under_another_key_than_the_desk_reads_its_drop_is_refused(
    tmp_path: Path, cli: Any
) -> None:
    """An invitation naming a drop address the desk already reads under another log key was
    made all the same: the desk kept reading that address under the old key, the source got
    the new one, so the invitation handed over in person could never bring a report to the
    desk. It is refused, and nothing is recorded."""
    from tysha.desk.service import Desk
    from tysha.tlog import NoteSigner

    desk = tmp_path / "desk"
    Desk.init(desk, "Olena", DESK_PASS)
    url = "http://127.0.0.1:9/"
    k1 = NoteSigner("drop.example/log", bytes(32)).verifier().vkey
    k2 = NoteSigner("drop.example/log", bytes([1]) * 32).verifier().vkey
    with Desk.open(desk, DESK_PASS) as d:
        d.invite([url], k1)
        before = (len(d.invitations()), len(d.store.custody_events()))
    env = {"TYSHA_PASSPHRASE": DESK_PASS}
    for drops in ([url], ["http://127.0.0.1:9/onion/", url]):
        argv = [a for u in drops for a in ("--drop", u)]
        r = cli("desk", "invite", "--desk", desk, *argv, "--drop-key", k2, env=env, check=False)
        assert r.returncode == 1 and r.stdout == "" and "Traceback" not in r.stderr
        assert url in r.stderr and "another log key" in r.stderr, r.stderr
    with Desk.open(desk, DESK_PASS) as d:
        assert (len(d.invitations()), len(d.store.custody_events())) == before
        assert [x["vkey"] for x in d.drops()] == [k1]
        d.invite(["http://127.0.0.1:9/mirror/", url], k1)  # the same log's key: a mirror
    # desk fetch --drop URL --drop-key OTHER: refused too, before anything is fetched or kept
    # (it kept reading the address under the old key and said nothing).
    r = cli("desk", "fetch", "--desk", desk, "--drop", url, "--drop-key", k2, env=env, check=False)
    assert r.returncode == 1 and "another log key" in r.stderr and "Traceback" not in r.stderr
    with Desk.open(desk, DESK_PASS) as d:
        assert [x["vkey"] for x in d.drops()] == [k1]


def test_a_first_report_under_a_damaged_invitation_record_is_kept_flagged(
    world: dict[str, Any], cli: Any  # noqa: F811 - the imported fixture
) -> None:
    """The invitation's record no longer decrypting (bit rot, a bad copy) made the first
    report under it raise in the sender step: the envelope was set aside ('quarantined'), the
    report never stored and left at the drop until it expires there, though the source holds
    the drop's receipt. It is stored, flagged, and no key is enrolled on a record the desk
    cannot read (used, expired or cancelled cannot be told)."""
    import json

    from tests.desk.test_desk import send_report
    from tysha.desk.store import DeskStore

    w = world
    d, denv = str(w["desk"]), w["denv"]
    store = DeskStore.open(w["desk"], DESK_PASS)
    (inv,) = store.list_invitations()
    store.close()
    _damage(w["desk"], "invitations", "id", inv.id)
    send_report(w, cli, "first report, invitation record damaged", ["det"])
    cli("desk", "fetch", "--desk", d, env=denv, check=False)
    (v,) = json.loads(cli("desk", "list", "--desk", d, "--json", env=denv).stdout)
    assert v["text"] == "first report, invitation record damaged"
    assert v["trusted"] is False and v["flag_codes"] == ["unenrolled-source"]
    shown = json.loads(cli("desk", "show", v["id"], "--desk", d, "--json", env=denv).stdout)
    assert any("damaged" in p and "invitation" in p for p in shown["problems"]), shown
    store = DeskStore.open(w["desk"], DESK_PASS)
    assert store.list_sources() == [] and store.quarantined() == []
    store.close()


def test_a_report_of_a_source_whose_record_is_damaged_is_kept_flagged(
    world: dict[str, Any], cli: Any  # noqa: F811 - the imported fixture
) -> None:
    """Enrolling looked the sender's key up and read its source's sealed record: one that no
    longer decrypted made every later report of that source raise in the sender step, set
    aside ('quarantined'), never stored, left at the drop until it expires there, though the
    source holds the drop's receipt. It is stored, flagged 'source-unreadable', not trusted."""
    import json

    from tests.desk.test_desk import send_report
    from tysha.desk.store import DeskStore

    w = world
    d, denv = str(w["desk"]), w["denv"]
    send_report(w, cli, "one", ["det"])
    cli("desk", "fetch", "--desk", d, env=denv)
    store = DeskStore.open(w["desk"], DESK_PASS)
    (s,) = store.list_sources()
    store.close()
    _damage(w["desk"], "sources", "id", s.id)
    send_report(w, cli, "two", ["det"])
    cli("desk", "fetch", "--desk", d, env=denv, check=False)
    views = {v["text"]: v for v in json.loads(
        cli("desk", "list", "--desk", d, "--json", env=denv).stdout)}  # fmt: skip
    assert set(views) == {"one", "two"}
    assert views["two"]["flag_codes"] == ["source-unreadable"] and not views["two"]["trusted"]
    store = DeskStore.open(w["desk"], DESK_PASS)
    assert store.quarantined() == []
    store.close()


def test_the_qr_file_of_an_invitation_is_readable_by_the_handler_only(
    tmp_path: Path, cli: Any
) -> None:
    """'desk invite --qr FILE.png' wrote the live invitation (its enrolment secret) with the
    umask's mode, 0644: any other account on the workstation (or a backup or sync agent
    reading as another user) could read the code and enrol a key first."""
    import os
    import stat

    from tysha.tlog import NoteSigner

    desk = tmp_path / "desk"
    env = {"TYSHA_PASSPHRASE": DESK_PASS}
    cli("desk", "init", "--desk", desk, "--name", "Olena", env=env)
    vkey = NoteSigner("drop.example/log", bytes(32)).verifier().vkey
    old = os.umask(0o022)
    try:
        for qr in (tmp_path / "new.png", tmp_path / "old.png"):
            if qr.name == "old.png":
                qr.write_bytes(b"\x89PNG an earlier QR code")  # another kind is not replaced
                qr.chmod(0o644)
            cli("desk", "invite", "--desk", desk, "--drop", "http://127.0.0.1:9/",
                "--drop-key", vkey, "--qr", qr, env=env)  # fmt: skip
            assert qr.read_bytes().startswith(b"\x89PNG")
            assert stat.S_IMODE(qr.stat().st_mode) == 0o600, oct(qr.stat().st_mode)
    finally:
        os.umask(old)


def test_cancelling_at_a_terminal_names_the_invitation_first(
    tmp_path: Path, cli: Any, confirms: list[tuple[str, bool]]
) -> None:
    """`desk invitations --cancel ID` cancelled at once: an id copied from the wrong line
    killed a code already handed over, which cannot be undone (the source needs a new one,
    in person). At a terminal it now asks first, naming the invitation (when it was made,
    its drop); declined, nothing changes. --yes, or a script, keeps CLI.md's form."""
    from tysha.desk.service import Desk
    from tysha.tlog import NoteSigner

    desk = tmp_path / "desk"
    Desk.init(desk, "Olena", DESK_PASS)
    vkey = NoteSigner("drop.example/log", bytes(32)).verifier().vkey
    with Desk.open(desk, DESK_PASS) as d:
        d.invite(["http://drop.example/"], vkey)
        [inv] = d.invitations()
    asked = confirms
    env = {"TYSHA_PASSPHRASE": DESK_PASS}
    r = cli("desk", "invitations", "--desk", str(desk), "--cancel", inv["id"], env=env,
            check=False)  # fmt: skip
    assert r.returncode == 1 and "not confirmed" in r.stderr
    [(question, _yes)] = asked
    assert inv["id"] in question and "http://drop.example/" in question
    assert inv["created_at"][:10] in question
    with Desk.open(desk, DESK_PASS) as d:
        assert [i["state"] for i in d.invitations()] == ["open"]
    r = cli("desk", "invitations", "--desk", str(desk), "--cancel", inv["id"], "--yes", env=env)
    assert asked[-1][1] is True and "cancelled" in r.stdout


def test_a_new_invitation_an_enrolled_source_takes_is_closed_to_anyone_else(
    world: dict[str, Any], cli: Any  # noqa: F811 - the imported fixture
) -> None:
    """A source already enrolled here enrols again with a new invitation of this desk (the
    handler handed one over again, new drop addresses): its reports carry the new code's
    secret, but the desk knew the key and left that invitation open, so the same code,
    photographed at hand-over or found later, still enrolled a stranger as a trusted source.
    Now the code is used by the source that took it."""
    import json

    from tests.desk.test_desk import send_report
    from tysha.desk.store import DeskStore

    w = world
    d, denv = str(w["desk"]), w["denv"]
    send_report(w, cli, "first report", ["det"])
    cli("desk", "fetch", "--desk", d, env=denv)
    again = cli("desk", "invite", "--desk", d, "--drop", w["url"], "--drop-key", w["vkey"],
                env=denv).stdout.strip()  # fmt: skip
    cli("source", "enroll", "--vault", str(w["vault"]), "--invitation", again, env=w["senv"])
    send_report(w, cli, "second report", ["det"])
    cli("desk", "fetch", "--desk", d, env=denv)
    listed = json.loads(cli("desk", "invitations", "--desk", d, "--json", env=denv).stdout)
    [source] = {i["source"] for i in listed}
    assert [i["state"] for i in listed] == ["used", "used"] and source
    # The code, in a stranger's hands, enrols no one.
    _first_report_under(w, cli, again, "stranger", "planted under a code already taken")
    cli("desk", "fetch", "--desk", d, env=denv, check=False)
    reports = {r["text"]: r for r in json.loads(
        cli("desk", "list", "--desk", d, "--json", env=denv).stdout)}  # fmt: skip
    assert reports["second report"]["trusted"] is True
    assert reports["planted under a code already taken"]["trusted"] is False
    store = DeskStore.open(w["desk"], DESK_PASS)
    assert [s.id for s in store.list_sources()] == [source]
    assert "invitation-taken" in [e["action"] for e in store.custody_events()]
    store.close()
