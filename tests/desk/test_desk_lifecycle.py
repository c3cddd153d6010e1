"""A desk folder over its life: made whole or not at all, never made anew over a desk, and a
damaged or incomplete one refused in one clear line that changes nothing."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.desk.test_desk import jpeg, send_report, world  # noqa: F401 - world: a fixture

DESK_PASS = "desk passphrase for tests"
ENV = {"TYSHA_PASSPHRASE": DESK_PASS}


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and a digest of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _used_desk(tmp_path: Path, cli: Any) -> Path:
    """A desk that holds something (a drop it knows, an invitation and their custody)."""
    desk = tmp_path / "desk"
    cli("desk", "init", "--desk", desk, "--name", "Olena", env=ENV)
    from tysha.desk.service import Desk
    from tysha.tlog import NoteSigner

    vkey = NoteSigner("drop.example/log", bytes(32)).verifier().vkey
    with Desk.open(desk, DESK_PASS) as d:
        d.invite(["http://127.0.0.1:9/"], vkey)
    return desk


def test_a_desk_whose_database_is_missing_is_refused_not_made_anew(
    tmp_path: Path, cli: Any
) -> None:
    desk = _used_desk(tmp_path, cli)
    for name in ("desk.db", "desk.db-wal", "desk.db-shm"):
        (desk / name).unlink(missing_ok=True)
    before = _tree(desk)
    for argv in (("list",), ("list", "--json"), ("fetch",), ("invite", "--drop",
                 "http://127.0.0.1:9/", "--drop-key", "x")):  # fmt: skip
        r = cli("desk", argv[0], "--desk", desk, *argv[1:], env=ENV, check=False)
        assert r.returncode == 1, (argv, r.stdout, r.stderr)
        assert r.stdout == ""
        assert "desk.db" in r.stderr and "missing" in r.stderr
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert _tree(desk) == before  # no empty desk made in its place


def test_init_never_makes_a_desk_over_a_desk_database(tmp_path: Path, cli: Any) -> None:
    desk = _used_desk(tmp_path, cli)
    (desk / "desk.json").unlink()  # the key file lost (or not yet restored from a backup)
    before = _tree(desk)
    r = cli("desk", "init", "--desk", desk, "--name", "Olena", env=ENV, check=False)
    assert r.returncode == 1 and r.stdout == ""
    assert "desk.db" in r.stderr and "desk.json" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert _tree(desk) == before  # no new key file beside the old database


def test_an_init_stopped_before_its_key_file_leaves_no_desk_and_can_be_run_again(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tysha.desk import store

    def stop(*_a: Any, **_k: Any) -> None:
        raise KeyboardInterrupt

    desk = tmp_path / "desk"
    monkeypatch.setattr(store.DeskStore, "custody", stop)
    r = cli("desk", "init", "--desk", desk, "--name", "Olena", env=ENV, check=False)
    assert r.returncode == 130
    monkeypatch.undo()
    assert not (desk / "desk.json").exists()
    assert "ready" in cli("desk", "init", "--desk", desk, "--name", "Olena", env=ENV).stdout
    assert cli("desk", "list", "--desk", desk, "--json", env=ENV).stdout.strip() == "[]"


def test_an_init_stopped_after_its_key_file_is_finished_by_the_next_open(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tysha.desk import store

    def stop(*_a: Any, **_k: Any) -> None:
        raise KeyboardInterrupt

    desk = tmp_path / "desk"
    monkeypatch.setattr(store, "_finish_init", stop)
    r = cli("desk", "init", "--desk", desk, "--name", "Olena", env=ENV, check=False)
    assert r.returncode == 130
    monkeypatch.undo()
    assert (desk / "desk.json").exists()
    r = cli("desk", "show", "--desk", desk, "--json", "x", env=ENV, check=False)
    assert "no report" in r.stderr  # the desk opened
    events = json.loads(cli("desk", "list", "--desk", desk, "--json", env=ENV).stdout)
    assert events == []
    from tysha.desk.service import Desk

    with Desk.open(desk, DESK_PASS) as d:
        assert [e["action"] for e in d.custody()] == ["desk-created"]


def _init_on_a_full_disk(desk: Path, room: int) -> subprocess.CompletedProcess[str]:
    """``tysha desk init`` in a process that may write only ``room`` bytes to any file (a
    disk that fills up while it writes: writes past it fail with EFBIG)."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))

    return subprocess.run(
        [sys.executable, "-m", "tysha.cli", "desk", "init", "--desk", str(desk), "--name", "O"],
        env={**os.environ, **ENV}, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        preexec_fn=limit, timeout=120, check=False,
    )


def test_an_init_that_fills_the_disk_leaves_no_key_file_and_can_be_run_again(
    tmp_path: Path, cli: Any
) -> None:
    desk = tmp_path / "desk"
    r = _init_on_a_full_disk(desk, 1500)  # room for part of the key file, none for the rest
    assert r.returncode == 1 and r.stdout == "", r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (desk / "desk.json").exists()  # never half a key file that no init replaces
    assert not [p for p in desk.iterdir() if p.name.startswith(".desk.json")]  # nor a part
    assert "ready" in cli("desk", "init", "--desk", desk, "--name", "Olena", env=ENV).stdout
    assert cli("desk", "list", "--desk", desk, "--json", env=ENV).stdout.strip() == "[]"


def test_the_key_file_is_on_disk_before_init_says_the_desk_is_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The identity sealed in desk.json is the only copy of the desk's keys: a power cut after
    init (and the invitations made with it) must not leave an empty or missing key file."""
    from tysha.desk import keyfile
    from tysha.desk.service import Desk

    synced: list[str] = []
    real = keyfile.os.fsync

    def fsync(fd: int) -> None:
        synced.append(Path(f"/proc/self/fd/{fd}").resolve().name)
        real(fd)

    monkeypatch.setattr(keyfile.os, "fsync", fsync)
    desk = tmp_path / "desk"
    Desk.init(desk, "Olena", DESK_PASS)
    assert (desk / "desk.json").exists()
    # the file's bytes and then its name in the folder
    assert "desk" in synced and any(n.startswith(".desk.json") or n == "desk.json"
                                    for n in synced), synced
    assert synced.index("desk") > 0


def test_one_damaged_report_hides_none_of_the_others(tmp_path: Path, cli: Any) -> None:
    """A bit flipped in one report's sealed record (bit rot, a bad copy) made 'desk list',
    the web inbox and 'desk fetch' fail as a whole: every other report was out of reach."""
    import re
    import sqlite3

    from starlette.testclient import TestClient

    from tysha.desk.service import Desk
    from tysha.desk.store import now_iso
    from tysha.desk.web.app import create_app

    desk = tmp_path / "desk"
    Desk.init(desk, "Olena", DESK_PASS)
    with Desk.open(desk, DESK_PASS) as d:
        ids = [d.store.add_report(bytes([i]) * 32, {"text": f"report number {i}",
               "received_at": now_iso(), "categories": ["det"], "attachments": []})
               for i in range(3)]  # fmt: skip
    with contextlib.closing(sqlite3.connect(desk / "desk.db")) as db, db:
        enc = bytearray(db.execute("SELECT enc FROM reports WHERE id = ?", (ids[1],)).fetchone()[0])
        enc[40] ^= 1
        db.execute("UPDATE reports SET enc = ? WHERE id = ?", (bytes(enc), ids[1]))

    r = cli("desk", "list", "--desk", desk, "--json", env=ENV, check=False)
    assert sorted(v["id"] for v in json.loads(r.stdout)) == sorted([ids[0], ids[2]])
    assert r.returncode == 1 and ids[1] in r.stderr and "damaged" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = cli("desk", "list", "--desk", desk, env=ENV, check=False)
    assert "report number 0" in r.stdout and "report number 2" in r.stdout
    assert r.returncode == 1 and ids[1] in r.stderr

    with TestClient(create_app(desk, port=8090), base_url="http://127.0.0.1:8090") as c:
        assert c.post("/login", data={"passphrase": DESK_PASS},
                      follow_redirects=False).status_code == 303  # fmt: skip
        page = c.get("/")
        assert page.status_code == 200
        assert "report number 0" in page.text and "report number 2" in page.text
        notice = re.search(r'<p class="bad" role="alert">[^<]*damaged[^<]*</p>', page.text)
        assert notice and ids[1] in page.text
        # The damaged one opened by its address: said in the desk's words, not a bare 500
        # "internal error", and the desk goes on serving the others.
        bad = c.get(f"/report/{ids[1]}")
        assert bad.status_code == 500 and "does not decrypt" in bad.text, bad.text
        # The desk's key opened everything else: the record is damaged, not the key wrong.
        assert "wrong key" not in bad.text and "damaged" in bad.text
        assert "Traceback" not in bad.text and c.get(f"/report/{ids[0]}").status_code == 200


def _custody_fails_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next custody event fails as on a full disk (after the change it records was
    written in the same process)."""
    from tysha.desk.store import DeskStore
    from tysha.errors import StorageError

    real = DeskStore.custody
    left = [1]

    def custody(self: DeskStore, *a: Any, **k: Any) -> None:
        if left:
            left.pop()
            raise StorageError("desk database error: disk I/O error")
        real(self, *a, **k)

    monkeypatch.setattr(DeskStore, "custody", custody)


def test_an_enrolment_cut_short_never_leaves_its_invitation_open_to_another_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One invitation enrols one key: an enrolment whose last write failed (a full disk,
    the desk killed) must not keep the new source while the invitation stays unused."""
    from tysha.desk.store import DeskStore, init_desk
    from tysha.errors import StorageError
    from tysha.protocol import Identity

    init_desk(tmp_path / "d", "Olena", DESK_PASS)
    store = DeskStore.open(tmp_path / "d", DESK_PASS)
    secret = os.urandom(16)
    store.add_invitation(secret, "http://127.0.0.1:9/", "k", "TYSHA2:x")
    events = len(store.custody_events())
    first, second = (Identity.generate(os.urandom).public() for _ in range(2))
    _custody_fails_once(monkeypatch)
    with pytest.raises(StorageError):
        store.source_for(first, secret)
    assert store.list_sources() == [] and not store.list_invitations()[0].used
    assert len(store.custody_events()) == events
    enrolled = store.source_for(first, secret)  # the envelope is fetched again
    assert enrolled is not None and store.list_invitations()[0].source == enrolled.id
    assert store.source_for(second, secret) is None  # the code is spent
    assert [s.id for s in store.list_sources()] == [enrolled.id]
    store.close()


@pytest.mark.parametrize("change", ["revoke", "restore", "status", "qualify", "note", "unqualify"])
def test_a_change_whose_custody_event_fails_is_not_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """A handler told that revoking a key (or a triage step) failed must find it not done, and
    custody must hold every change the desk shows."""
    from tysha.desk.store import DeskStore, init_desk, now_iso
    from tysha.errors import StorageError
    from tysha.protocol import Identity

    init_desk(tmp_path / "d", "Escrow", DESK_PASS, role="escrow")
    store = DeskStore.open(tmp_path / "d", DESK_PASS)
    src = store.source_for(Identity.generate(os.urandom).public(), None)
    assert src is not None
    rid = store.add_report(os.urandom(32), {"received_at": now_iso(), "text": "r"})
    if change == "restore":
        store.revoke(src.id)
    if change == "unqualify":
        store.add_qualification(rid, "RS 7(1)(i)", "medium", "A")
    before = (store.get_source(src.id), store.get_report(rid).data, len(store.custody_events()))
    _custody_fails_once(monkeypatch)
    with pytest.raises(StorageError):
        {
            "revoke": lambda: store.revoke(src.id, "phone seized"),
            "restore": lambda: store.restore(src.id),
            "status": lambda: store.set_status(rid, "reviewing", "A"),
            "qualify": lambda: store.add_qualification(rid, "RS 7(1)(i)", "high", "A"),
            "note": lambda: store.add_note(rid, "call back", "A"),
            "unqualify": lambda: store.remove_qualification(rid, "RS 7(1)(i)", "A"),
        }[change]()
    after = (store.get_source(src.id), store.get_report(rid).data, len(store.custody_events()))
    assert after == before
    store.close()


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_the_web_desk_login_says_what_is_wrong_with_a_damaged_desk(
    tmp_path: Path, lang: str
) -> None:
    """The web desk's login on a desk whose database is missing answered 'internal error: the
    desk could not do this' (500): the handler could not tell a lost file from a bug."""
    from starlette.testclient import TestClient

    from tysha.desk.service import Desk
    from tysha.desk.web.app import create_app

    desk = tmp_path / "desk"
    Desk.init(desk, "Olena", DESK_PASS)
    (desk / "desk.db").unlink()
    before = _tree(desk)
    with TestClient(create_app(desk, lang, port=8090), base_url="http://127.0.0.1:8090") as c:
        r = c.post("/login", data={"passphrase": DESK_PASS, "lang": lang},
                   follow_redirects=False)  # fmt: skip
        assert r.status_code == 503
        assert "desk.db" in r.text
        assert ("is missing" if lang == "en" else "не знайдено") in r.text
        assert "tysha_session" not in r.headers.get("set-cookie", "")
        r = c.post("/login", data={"passphrase": "wrong passphrase", "lang": lang})
        assert r.status_code in (401, 429)  # a wrong one is still only that
    assert _tree(desk) == before


def test_a_desk_from_a_newer_tysha_is_refused_before_anything_is_written(
    tmp_path: Path, cli: Any
) -> None:
    """Opening read the schema version only after creating this version's tables: a desk
    whose newer schema dropped or renamed one got it back, written by the older Tysha."""
    import sqlite3

    desk = _used_desk(tmp_path, cli)
    with contextlib.closing(sqlite3.connect(desk / "desk.db")) as db, db:
        db.execute("DROP TABLE incidents")
        db.execute("PRAGMA user_version = 99")

    def schema() -> list[Any]:
        with contextlib.closing(sqlite3.connect(desk / "desk.db")) as db:
            return db.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()

    before = schema()
    r = cli("desk", "list", "--desk", desk, env=ENV, check=False)
    assert r.returncode == 1 and "newer Tysha" in r.stderr
    assert schema() == before


def test_a_one_time_code_never_required_unless_its_secret_was_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'desk totp' stored the secret, then failed (a full disk) before the handler was shown
    it: the web desk then asked every login for a code no authenticator could make."""
    from tysha.desk.service import Desk
    from tysha.errors import StorageError

    Desk.init(tmp_path / "d", "Olena", DESK_PASS)
    with Desk.open(tmp_path / "d", DESK_PASS) as d:
        _custody_fails_once(monkeypatch)
        with pytest.raises(StorageError):
            d.enable_totp()
        assert not d.totp_enabled()
        d.enable_totp()
        _custody_fails_once(monkeypatch)
        with pytest.raises(StorageError):
            d.disable_totp()
        assert d.totp_enabled()  # told it failed: still required, as custody says


def test_a_key_file_from_a_newer_tysha_is_not_called_a_wrong_passphrase(
    tmp_path: Path, cli: Any
) -> None:
    """desk.json's "version" was never read: a key file of a later format was unlocked as
    this one's and the handler was told the passphrase is wrong (and kept trying others)."""
    desk = tmp_path / "desk"
    cli("desk", "init", "--desk", desk, "--name", "Olena", env=ENV)
    doc = json.loads((desk / "desk.json").read_text())
    doc["version"] = 2
    (desk / "desk.json").write_text(json.dumps(doc))
    for argv in (("list",), ("info",)):
        r = cli("desk", *argv, "--desk", desk, env=ENV, check=False)
        assert r.returncode == 1 and "newer Tysha" in r.stderr, r.stderr
        assert "passphrase" not in r.stderr


def test_a_cut_key_file_is_called_damaged(tmp_path: Path, cli: Any) -> None:
    desk = tmp_path / "desk"
    cli("desk", "init", "--desk", desk, "--name", "Olena", env=ENV)
    raw = (desk / "desk.json").read_bytes()
    (desk / "desk.json").write_bytes(raw[: len(raw) // 2])
    for argv in (("list",), ("info",)):
        r = cli("desk", *argv, "--desk", desk, env=ENV, check=False)
        assert r.returncode == 1 and "desk.json" in r.stderr and "damaged" in r.stderr
        assert "passphrase" not in r.stderr and "backup" in r.stderr


@pytest.mark.parametrize("damage", ["cut", "garbled"])
def test_a_damaged_database_is_called_damaged_not_by_a_python_name(
    tmp_path: Path, cli: Any, damage: str
) -> None:
    """A desk.db cut short or overwritten read 'desk database error: DatabaseError': a name
    from the program's insides that tells a handler nothing about what to do."""
    desk = _used_desk(tmp_path, cli)
    raw = (desk / "desk.db").read_bytes()
    (desk / "desk.db").write_bytes(raw[:5000] if damage == "cut" else bytes(len(raw)))
    for lang, word in (("en", "damaged"), ("uk", "пошкоджено")):
        r = cli("desk", "list", "--desk", desk, env={**ENV, "TYSHA_LANG": lang}, check=False)
        assert r.returncode == 1 and "desk.db" in r.stderr and word in r.stderr, r.stderr
        assert "Error" not in r.stderr and "passphrase" not in r.stderr


@pytest.mark.parametrize(
    "change", ["pin", "cell", "c2pa", "incident", "attach", "act", "qualify-act"]
)
def test_the_other_changes_are_not_made_when_their_custody_event_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """As revocation: pinning a handler (its shares then trusted), an escrow desk's cell, the
    C2PA trust anchors and each incident change were stored, then failed on their custody
    event - the person was told it failed, the desk used it, and custody never had it (a
    pin, once stored, was never recorded at all: pinning again found it pinned)."""
    from tests.provenance.helpers import make_ca
    from tysha.desk.service import Desk
    from tysha.desk.store import now_iso
    from tysha.errors import StorageError
    from tysha.protocol import Identity

    role = {"pin": "analyst", "cell": "escrow"}.get(change, "handler")
    Desk.init(tmp_path / "d", "Olena", DESK_PASS, role)
    d = Desk.open(tmp_path / "d", DESK_PASS)
    rid = d.store.add_report(os.urandom(32), {"received_at": now_iso(), "text": "r",
                                              "categories": ["det"]})  # fmt: skip
    rid2 = d.store.add_report(os.urandom(32), {"received_at": now_iso(), "text": "s",
                                               "categories": ["det"]})  # fmt: skip
    src = d.store.source_for(Identity.generate(os.urandom).public(), None)
    iid = d.create_incident("Shelling", [rid], "A") if role == "handler" else ""
    act = {"category": "atk", "when": "2026-01-01", "place": "Kherson", "reports": [rid]}
    act_id = d.add_act(iid, act, "A") if change == "qualify-act" else ""
    key = Identity.generate(os.urandom).public().to_text()
    do = {
        "pin": lambda: d.pin_handler(key),
        "cell": lambda: d.set_cell(src.id if src else "", "north"),
        "c2pa": lambda: d.set_c2pa_trust(make_ca().ca_pem),
        "incident": lambda: d.create_incident("Detentions", [rid2], "A"),
        "attach": lambda: d.attach_reports(iid, [rid2], "A"),
        "act": lambda: d.add_act(iid, act, "A"),
        "qualify-act": lambda: d.qualify_act(iid, act_id, "RS 8(2)(b)(i)", "high", "A"),
    }[change]

    def state() -> Any:
        s = d.store
        return (s.get_setting("pinned_handlers"), s.get_setting("cells"),
                s.get_setting("c2pa_trust_anchors"), [i.to_json(protected=True) for i in s.incidents()],
                len(s.custody_events()))  # fmt: skip

    before = state()
    _custody_fails_once(monkeypatch)
    with pytest.raises(StorageError):
        do()
    assert state() == before
    do()  # done again, it is done once, with its custody event
    assert len(d.store.custody_events()) == before[-1] + 1
    d.close()


def test_a_damaged_corroboration_index_is_rebuilt_not_a_failed_fetch(tmp_path: Path) -> None:
    """The photo index is derived from the reports; written without an fsync, a power cut
    could leave it empty or cut, and every later 'desk fetch' then stored its new reports and
    ended on 'the corroboration index does not decrypt; delete it to rebuild', before its
    summary (forks, withheld entries) was shown."""
    import io

    from PIL import Image

    from tysha.desk.corroborate import INDEX_FILE
    from tysha.desk.service import Desk
    from tysha.desk.store import now_iso

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "JPEG")
    Desk.init(tmp_path / "d", "Olena", DESK_PASS)
    with Desk.open(tmp_path / "d", DESK_PASS) as d:
        w = d.store.blob_writer()
        w.write(buf.getvalue())
        digest = w.close()
        att = {"name": "a.jpg", "sha256": digest.hex(), "size": len(buf.getvalue()),
               "media_type": "image/jpeg", "blob": w.name, "capture_verified": True}
        d.store.add_report(os.urandom(32), {"received_at": now_iso(), "text": "r",
                                            "categories": ["atk"], "attachments": [att]})
        assert d.update_media_index() == 1
        for damage in (b"", b"\0" * 100):
            (tmp_path / "d" / INDEX_FILE).write_bytes(damage)
            assert d.update_media_index() == 1  # rebuilt from the reports
            assert d.corroborate() is not None
            assert d.update_media_index() == 0  # and kept


@pytest.mark.parametrize("damage", ["flipped", "missing"])
def test_an_export_names_the_report_whose_stored_file_is_damaged(
    world: dict[str, Any], cli: Any, damage: str,  # noqa: F811 - the imported fixture
) -> None:
    """A blob of the desk damaged (a flipped bit) or gone stopped 'desk export' with 'a stored
    item does not decrypt ... tell your handler or auditor' or 'an attachment of this report
    is missing': the handler could not tell which report to leave out to export the rest."""
    from tysha.desk.service import Desk

    w = world
    send_report(w, cli, "a checkpoint moved", ["det"], [jpeg(w["tmp"] / "a.jpg")])
    send_report(w, cli, "children moved", ["chd"], [jpeg(w["tmp"] / "b.jpg")])
    cli("desk", "fetch", "--desk", w["desk"], env=w["denv"])
    with Desk.open(w["desk"], DESK_PASS) as d:
        bad = next(v for v in d.reports() if v.text == "children moved").id
        blob = d.store.get_report(bad).data["attachments"][0]["blob"]
    path = w["desk"] / "blobs" / blob
    if damage == "missing":
        path.unlink()
    else:
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2] ^= 1
        path.write_bytes(bytes(raw))
    out = w["tmp"] / "case.zip"
    r = cli("desk", "export", "--desk", w["desk"], "--out", out, env=w["denv"], check=False)
    assert r.returncode == 1 and bad in r.stderr and "attachment 0" in r.stderr, r.stderr
    assert "tell your handler" not in r.stderr and "tell your contact" not in r.stderr
    assert not out.exists() and not list(w["tmp"].glob(".case.zip*"))


def test_a_damaged_source_record_never_stops_revoking_another(
    tmp_path: Path, cli: Any
) -> None:
    """Finding a source read every source's record, so one damaged record (bit rot, a bad
    copy) made 'desk revoke "Source 1"' fail: a handler could not revoke the key of a seized
    phone, and the web sources page answered 500."""
    import re
    import sqlite3

    from starlette.testclient import TestClient

    from tysha.desk.service import Desk
    from tysha.desk.web.app import create_app
    from tysha.protocol import Identity

    desk = tmp_path / "desk"
    Desk.init(desk, "Escrow", DESK_PASS, "escrow")
    with Desk.open(desk, DESK_PASS) as d:
        made = [d.store.source_for(Identity.generate(os.urandom).public(), None)
                for _ in range(3)]  # fmt: skip
    ids = [s.id for s in made if s is not None]
    with contextlib.closing(sqlite3.connect(desk / "desk.db")) as db, db:
        enc = bytearray(db.execute("SELECT enc FROM sources WHERE id = ?", (ids[1],)).fetchone()[0])
        enc[40] ^= 1
        db.execute("UPDATE sources SET enc = ? WHERE id = ?", (bytes(enc), ids[1]))

    r = cli("desk", "revoke", "--desk", desk, "Source 1", "--yes", env=ENV, check=False)
    assert r.returncode == 0, r.stderr
    with Desk.open(desk, DESK_PASS) as d:
        assert d.store.get_source(ids[0]).revoked
    r = cli("desk", "revoke", "--desk", desk, ids[1], "--yes", env=ENV, check=False)
    assert r.returncode == 1 and ids[1] in r.stderr and "damaged" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr

    with TestClient(create_app(desk, port=8090), base_url="http://127.0.0.1:8090") as c:
        assert c.post("/login", data={"passphrase": DESK_PASS},
                      follow_redirects=False).status_code == 303  # fmt: skip
        page = c.get("/sources")
        assert page.status_code == 200
        assert "Source 1" in page.text and "Source 3" in page.text
        assert re.search(r'<p class="bad" role="alert">[^<]*damaged', page.text)
        assert ids[1] in page.text


def test_a_report_whose_source_record_is_damaged_is_not_said_revoked(
    tmp_path: Path, cli: Any
) -> None:
    """A report whose source's record no longer decrypts was flagged 'revoked-source': 'The
    sender's key has been revoked as compromised', which nobody did. It is flagged for what it
    is, and still not trusted."""
    import sqlite3

    from tysha.desk.service import Desk
    from tysha.desk.store import now_iso
    from tysha.protocol import Identity

    desk = tmp_path / "desk"
    Desk.init(desk, "Escrow", DESK_PASS, "escrow")
    with Desk.open(desk, DESK_PASS) as d:
        src = d.store.source_for(Identity.generate(os.urandom).public(), None)
        assert src is not None
        d.store.add_report(os.urandom(32), {"received_at": now_iso(), "text": "r",
                                            "source_id": src.id, "receipt_verified": True})
    with contextlib.closing(sqlite3.connect(desk / "desk.db")) as db, db:
        enc = bytearray(db.execute("SELECT enc FROM sources").fetchone()[0])
        enc[40] ^= 1
        db.execute("UPDATE sources SET enc = ?", (bytes(enc),))
    (view,) = json.loads(cli("desk", "list", "--desk", desk, "--json", env=ENV).stdout)
    assert view["flag_codes"] == ["source-unreadable"] and view["trusted"] is False
    assert not any("has been revoked" in f for f in view["flags"]) and view.get("revoked") is not True
    r = cli("desk", "list", "--desk", desk, env={**ENV, "TYSHA_LANG": "uk"})
    assert "source-unreadable" in r.stdout


def test_init_never_makes_a_desk_beside_a_desk_databases_log(tmp_path: Path, cli: Any) -> None:
    """desk.db lost but its write-ahead log (desk.db-wal, the last commits) still there: a new
    desk.db beside it could have that log replayed into it."""
    desk = _used_desk(tmp_path, cli)
    (desk / "desk.json").unlink()
    (desk / "desk.db").rename(tmp_path / "elsewhere.db")
    (desk / "desk.db-wal").write_bytes(b"log of the last commits")
    before = _tree(desk)
    r = cli("desk", "init", "--desk", desk, "--name", "Olena", env=ENV, check=False)
    assert r.returncode == 1 and "desk.db" in r.stderr
    assert _tree(desk) == before


def test_a_damaged_drop_record_stops_neither_the_other_drops_nor_the_listing(
    tmp_path: Path, cli: Any
) -> None:
    """Every fetch and every listing read all the drops' records: one that no longer decrypted
    made 'desk fetch' fetch from no drop at all (the reports waiting there expire at the drop
    in time) and 'desk list' and the inbox fail as a whole."""
    import hashlib as _h
    import sqlite3

    from tysha.desk.fetch import fetch_all
    from tysha.desk.service import Desk
    from tysha.desk.store import now_iso
    from tysha.errors import TransportError
    from tysha.tlog import NoteSigner

    a, b = "http://127.0.0.1:9/a/", "http://127.0.0.1:9/b/"
    desk = tmp_path / "desk"
    Desk.init(desk, "Escrow", DESK_PASS, "escrow")
    with Desk.open(desk, DESK_PASS) as d:
        for url, seed in ((a, 1), (b, 2)):
            d.store.add_drop(url, NoteSigner(f"drop{seed}.example/log", bytes([seed]) * 32)
                             .verifier().vkey)  # fmt: skip
            d.store.add_report(os.urandom(32), {"received_at": now_iso(), "text": url,
                                                "drop": url, "receipt_verified": True})
    with contextlib.closing(sqlite3.connect(desk / "desk.db")) as db, db:
        key = _h.sha256(b.encode()).digest()
        enc = bytearray(db.execute("SELECT enc FROM drops WHERE url_hash = ?", (key,)).fetchone()[0])
        enc[40] ^= 1
        db.execute("UPDATE drops SET enc = ? WHERE url_hash = ?", (bytes(enc), key))

    asked: list[str] = []

    def client(url: str) -> Any:
        asked.append(url)
        raise TransportError("unreachable")

    with Desk.open(desk, DESK_PASS) as d:
        res = fetch_all(d.store, None, client)
        assert asked == [a] and res.unreachable == [a]
        assert any("damaged" in e for e in res.errors)
    views = {v["text"]: v for v in json.loads(
        cli("desk", "list", "--desk", desk, "--json", env=ENV).stdout)}  # fmt: skip
    assert "drop-unreadable" in views[b]["flag_codes"] and not views[b]["trusted"]
    assert "drop-unreadable" not in views[a]["flag_codes"]


@pytest.mark.parametrize("lang", ["en", "uk", "ru", "crh"])
def test_a_damaged_custody_head_is_named_and_nothing_is_chained_past_it(
    tmp_path: Path, cli: Any, lang: str
) -> None:
    """The last custody event damaged (bit rot, a bad copy): every change failed with 'a stored
    item does not decrypt: wrong key or corrupted desk', which never said that the custody log
    is what is damaged, nor that no change can be made until it is restored. Each change is
    still refused (custody is a hash chain), and says why; fetch and send touch no drop."""
    import re
    import sqlite3

    from tysha.i18n import translate_message

    desk = _used_desk(tmp_path, cli)
    with contextlib.closing(sqlite3.connect(desk / "desk.db")) as db, db:
        seq, enc = db.execute("SELECT seq, enc FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
        raw = bytearray(enc)
        raw[40] ^= 1
        db.execute("UPDATE custody SET enc = ? WHERE seq = ?", (bytes(raw), seq))

    def rows() -> list[Any]:
        with contextlib.closing(sqlite3.connect(desk / "desk.db")) as db:
            return [db.execute(f"SELECT * FROM {t}").fetchall()
                    for t in ("custody", "invitations", "drops", "outbox")]  # fmt: skip

    before = rows()
    env = {**ENV, "TYSHA_LANG": lang}
    said = translate_message(
        f"the desk's custody log is damaged: its last event (number {seq}) does not decrypt, "
        "and no change can be recorded after it; restore the desk folder from your backup",
        lang,
    )
    from tysha.tlog import NoteSigner

    vkey = NoteSigner("drop.example/log", bytes(32)).verifier().vkey
    for argv in (("invite", "--drop", "http://127.0.0.1:9/", "--drop-key", vkey),
                 ("fetch",), ("send",)):  # fmt: skip
        r = cli("desk", argv[0], "--desk", desk, *argv[1:], env=env, check=False)
        assert r.returncode == 1, (argv, r.stdout, r.stderr)
        assert r.stderr.strip() == f"tysha: error: {said}", (argv, r.stderr)
        assert rows() == before  # nothing chained past the damaged head
    r = cli("desk", "list", "--desk", desk, env=env, check=False)  # reading still works
    assert r.returncode == 0, r.stderr
    # The web desk shows the message alone: what to do is in it.
    import html

    from starlette.testclient import TestClient

    from tysha.desk.web.app import create_app

    with TestClient(create_app(desk, port=8090), base_url="http://127.0.0.1:8090") as c:
        assert c.post("/login", data={"passphrase": DESK_PASS, "lang": lang},
                      follow_redirects=False).status_code == 303  # fmt: skip
        page = c.get("/").text
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token
        r = c.post("/fetch", data={"csrf": token[1]})
        assert said in html.unescape(r.text), r.text
    assert rows() == before


def test_a_damaged_custody_event_hides_no_report(tmp_path: Path, cli: Any) -> None:
    """One custody event damaged (bit rot, a bad copy): 'desk show' of every report failed
    with 'a stored item does not decrypt: wrong key or corrupted desk' and the web desk's
    report pages answered an error: custody is read whole for each. The report is shown, the
    damaged events named; an export, which needs the whole chain, names them and refuses."""
    import re
    import sqlite3

    from starlette.testclient import TestClient

    from tysha.desk.service import Desk
    from tysha.desk.store import now_iso
    from tysha.desk.web.app import create_app

    desk = tmp_path / "desk"
    Desk.init(desk, "Olena", DESK_PASS)
    with Desk.open(desk, DESK_PASS) as d:
        rid = d.store.add_report(bytes(32), {"text": "report number 0", "categories": ["det"],
                                             "received_at": now_iso(), "attachments": []})
        d.set_status(rid, "reviewing", "Olena")
    with contextlib.closing(sqlite3.connect(desk / "desk.db")) as db, db:
        (n,) = db.execute("SELECT COUNT(*) FROM custody").fetchone()
        assert n >= 2  # seq 0 (desk-created) is not the head
        enc = bytearray(db.execute("SELECT enc FROM custody WHERE seq = 0").fetchone()[0])
        enc[40] ^= 1
        db.execute("UPDATE custody SET enc = ? WHERE seq = 0", (bytes(enc),))

    r = cli("desk", "show", "--desk", desk, rid, env=ENV, check=False)
    assert "report number 0" in r.stdout, r.stderr
    assert r.returncode == 1 and "custody log is damaged" in r.stderr and "0" in r.stderr
    assert "restore the desk folder from your backup" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = cli("desk", "show", "--desk", desk, rid, env={**ENV, "TYSHA_LANG": "uk"}, check=False)
    assert r.returncode == 1 and "журнал зберігання робочого місця пошкоджено: події 0" in r.stderr
    r = cli("desk", "export", "--desk", desk, "--out", tmp_path / "b.zip", rid, env=ENV,
            check=False)  # fmt: skip
    assert r.returncode == 1 and "custody log is damaged" in r.stderr, r.stderr
    assert not (tmp_path / "b.zip").exists()

    with TestClient(create_app(desk, port=8090), base_url="http://127.0.0.1:8090") as c:
        assert c.post("/login", data={"passphrase": DESK_PASS},
                      follow_redirects=False).status_code == 303  # fmt: skip
        page = c.get(f"/report/{rid}")
        assert page.status_code == 200 and "report number 0" in page.text
        assert re.search(r'<p class="bad"[^>]*>[^<]*custody log is damaged', page.text)


def test_a_desk_database_that_cannot_be_read_is_not_blamed_on_the_passphrase() -> None:
    """An I/O error on desk.db (a failing or detached disk) was said with the storage family's
    hint, '... and the passphrase': the passphrase had opened the key file already."""
    import sqlite3

    from tysha.cli import describe_error
    from tysha.desk.store import _database_error

    for code in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN):
        exc = sqlite3.OperationalError("disk I/O error")
        exc.sqlite_errorcode = code  # type: ignore[attr-defined]
        said = describe_error(_database_error(exc), "desk")
        assert "could not be read or written" in said and "passphrase" not in said, said
        assert "disk holding the desk is attached" in said, said


def test_a_damaged_report_never_stops_counting_a_fetchs_flagged_reports(tmp_path: Path) -> None:
    """'Fetch now' on the web desk counted the new flagged reports over the whole desk
    without leaving damaged records aside (the CLI did): one damaged earlier report turned a
    fetch that had stored everything into an error page. Both faces now ask the service."""
    import sqlite3

    from tysha.desk.service import Desk
    from tysha.desk.store import now_iso

    desk = tmp_path / "desk"
    Desk.init(desk, "Olena", DESK_PASS)
    with Desk.open(desk, DESK_PASS) as d:
        ids = [d.store.add_report(bytes([i]) * 32, {"text": f"report number {i}",
               "received_at": now_iso(), "categories": ["det"], "attachments": [],
               "flag_codes": ["unenrolled-source"]})
               for i in range(2)]  # fmt: skip
    with contextlib.closing(sqlite3.connect(desk / "desk.db")) as db, db:
        enc = bytearray(db.execute("SELECT enc FROM reports WHERE id = ?", (ids[0],)).fetchone()[0])
        enc[40] ^= 1
        db.execute("UPDATE reports SET enc = ? WHERE id = ?", (bytes(enc), ids[0]))
    with Desk.open(desk, DESK_PASS) as d:
        assert d.flagged_among([ids[1]]) == [ids[1]]  # no source: flagged, and counted
        assert d.flagged_among([]) == []


@pytest.mark.parametrize("lang", ["en", "uk"])
def test_an_unknown_source_says_what_lists_sources(tmp_path: Path, cli: Any, lang: str) -> None:
    """'desk revoke nosuch' sent the handler to "the sources page", which the command line
    does not have: it names the command that shows a source and the web desk's page."""
    from tysha.desk.service import Desk

    desk = tmp_path / "desk"
    Desk.init(desk, "Olena", DESK_PASS)
    r = cli("desk", "revoke", "--desk", desk, "nosuch", "--yes",
            env={**ENV, "TYSHA_LANG": lang}, check=False)  # fmt: skip
    assert r.returncode == 1 and "nosuch" in r.stderr, r.stderr
    assert "sources page" not in r.stderr and "list command" not in r.stderr, r.stderr
    assert "`tysha desk show REPORT`" in r.stderr, r.stderr
    assert ("Sources page" if lang == "en" else "«Джерела»") in r.stderr, r.stderr


def test_a_source_is_found_by_the_pseudonym_the_handler_reads(tmp_path: Path, cli: Any) -> None:
    """A Ukrainian handler reads "Джерело 1 · Тихий Борсук" in `desk show` and on the web
    desk, but `desk revoke "Джерело 1"` answered that no source matches: only the English
    words were looked up. The pseudonym is found as every language shows it."""
    from tysha.desk.service import Desk
    from tysha.desk.sources import pseudonym
    from tysha.desk.views import pseudonym_text
    from tysha.i18n import translations
    from tysha.protocol import Identity

    desk = tmp_path / "desk"
    Desk.init(desk, "Escrow", DESK_PASS, "escrow")
    # Two sources whose names differ (a name is 1 of 400: two alike would make the name
    # alone fit both, and the desk rightly asks for the number then).
    def name(k: Any) -> str:
        return pseudonym(1, k).partition(" · ")[2]

    keys = [Identity.generate(os.urandom).public()]
    while len(keys) < 2:
        other = Identity.generate(os.urandom).public()
        if name(other) != name(keys[0]):
            keys.append(other)
    with Desk.open(desk, DESK_PASS) as d:
        made = [d.store.source_for(k, None) for k in keys]
    first = made[0]
    assert first is not None
    read = pseudonym_text(first.pseudonym, translations("uk").gettext)
    number, _sep, name = read.partition(" · ")
    assert number == "Джерело 1" and name and name != first.pseudonym.partition(" · ")[2]
    with Desk.open(desk, DESK_PASS) as d:
        for ref in (read, number, name.lower(), first.pseudonym, "Source 1"):
            assert d.source(ref).id == first.id, ref
    r = cli("desk", "revoke", "--desk", desk, number, "--yes",
            env={**ENV, "TYSHA_LANG": "uk"}, check=False)  # fmt: skip
    assert r.returncode == 0, r.stderr
    with Desk.open(desk, DESK_PASS) as d:
        assert d.store.get_source(first.id).revoked


def test_a_desk_in_use_is_backed_up_whole_and_the_copy_opens(tmp_path: Path, cli: Any) -> None:
    """The desk's messages say "restore the desk folder from your backup", and there was no
    way to make one: a copy of the folder while the desk serves or fetches misses what its
    database's write-ahead log holds (its last reports and custody) or takes the database
    after the attachments it names. `desk backup` writes a copy consistent at one moment,
    also while the desk is in use; the copy opens as the desk did; a folder that holds
    something is never written into."""
    from tysha.desk.service import Desk
    from tysha.tlog import NoteSigner

    desk = _used_desk(tmp_path, cli)
    backup = tmp_path / "backup"
    vkey = NoteSigner("drop.example/log", bytes(32)).verifier().vkey
    with Desk.open(desk, DESK_PASS) as d:  # in use: its last commits are in its WAL
        d.invite(["http://127.0.0.1:9/"], vkey)
        w = d.store.blob_writer()
        w.write(b"an attachment's bytes")
        w.close()
        assert (desk / "desk.db-wal").stat().st_size > 0
        r = cli("desk", "backup", "--desk", desk, "--to", backup, env=ENV)
        assert str(backup) in r.stdout and r.stderr == ""
        custody, invitations = d.custody(), d.invitations()
        blob = list(d.store.blobs.read(w.name))
    assert (backup / "desk.json").read_bytes() == (desk / "desk.json").read_bytes()
    assert backup.stat().st_mode & 0o777 == 0o700
    with Desk.open(backup, DESK_PASS) as b:
        assert b.custody() == custody and len(custody) >= 3
        assert b.invitations() == invitations and len(invitations) == 2
        assert list(b.store.blobs.read(w.name)) == blob
    before = _tree(backup)
    r = cli("desk", "backup", "--desk", desk, "--to", backup, env=ENV, check=False)
    assert r.returncode == 1 and "not empty" in r.stderr and _tree(backup) == before
    r = cli("desk", "backup", "--desk", tmp_path / "nowhere", "--to", tmp_path / "b2",
            env=ENV, check=False)  # fmt: skip
    assert r.returncode == 1 and not (tmp_path / "b2").exists()


def test_a_restored_desk_says_its_custody_was_anchored_further_and_records_it(
    tmp_path: Path,
) -> None:
    """A desk restored from a backup made before its last custody anchor met that anchor
    (sealed to itself, in the drop's log) on its next fetch and set it aside as a hostile
    envelope ("open: ProtocolError"); it then anchored another custody log of the same size
    under the same key: in the drop's log, two heads of one desk's custody at one size - a
    rewritten custody log, as a court reads it, with nothing to explain it. The desk now
    recognises its own anchor, says that its custody was anchored further than it holds
    (restored from an earlier copy), and records that in custody, once."""
    import shutil

    from tysha.desk.service import Desk
    from tysha.drop.launcher import threaded_drop

    with threaded_drop(tmp_path) as (url, vkey, _data):
        path, backup = tmp_path / "desk", tmp_path / "backup"
        Desk.init(path, "Cell", DESK_PASS)
        with Desk.open(path, DESK_PASS) as d:
            d.invite(url, vkey)
            d.anchor()
        shutil.copytree(path, backup)  # last night's backup
        with Desk.open(path, DESK_PASS) as d:
            d.invite(url, vkey)
            lost = d.anchor()
        shutil.rmtree(path)
        shutil.copytree(backup, path)  # restored
        with Desk.open(path, DESK_PASS) as d:
            held = len(d.custody())
            res = d.fetch()
            assert res.quarantined == [] and res.errors == [], res
            said = [w for w in res.warnings if "custody" in w]
            assert len(said) == 1, res.warnings
            assert f"{lost['size']} events" in said[0] and f"entry {lost['index']}" in said[0]
            assert "earlier copy" in said[0] and f"holds {held}" in said[0], said
            events = [e for e in d.custody() if e["action"] == "custody-restored"]
            assert len(events) == 1
            assert events[0]["detail"]["anchored_size"] == lost["size"]
            assert events[0]["detail"]["held"] == held
            again = d.fetch()  # said and recorded once
            assert [w for w in again.warnings if "custody" in w] == [] and not again.quarantined
            assert len([e for e in d.custody() if e["action"] == "custody-restored"]) == 1
