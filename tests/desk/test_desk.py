"""The desk end to end: source → drop → desk → reply → source, verification, at-rest secrecy."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tysha.drop.launcher import threaded_drop

DESK_PASS = "desk passphrase for tests"
SRC_PASS = "source passphrase"


@pytest.fixture
def world(tmp_path: Path, drop: tuple[str, str, Path], cli: Any) -> dict[str, Any]:
    url, vkey, data = drop
    desk = tmp_path / "desk"
    denv = {"TYSHA_PASSPHRASE": DESK_PASS}
    senv = {"TYSHA_PASSPHRASE": SRC_PASS}
    cli("desk", "init", "--desk", str(desk), "--name", "Test cell", env=denv)
    qr = tmp_path / "invite.png"
    code = cli("desk", "invite", "--desk", str(desk), "--drop", url, "--drop-key", vkey,
               "--qr", str(qr), env=denv).stdout.strip()
    assert code.startswith("TYSHA2:") and qr.read_bytes().startswith(b"\x89PNG")
    vault = tmp_path / "v.vault"
    cli("source", "init", "--vault", str(vault), "--size", "8MiB", env=senv)
    cli("source", "enroll", "--vault", str(vault), "--invitation", code, env=senv)
    return {"url": url, "vkey": vkey, "data": data, "desk": desk, "denv": denv, "senv": senv,
            "vault": vault, "tmp": tmp_path}


def send_report(w: dict[str, Any], cli: Any, text: str, cats: list[str], attach: list[Path] = ()) -> None:  # type: ignore[assignment]
    args = ["source", "report", "--vault", str(w["vault"]), "--text", text]
    for c in cats:
        args += ["--category", c]
    for a in attach:
        args += ["--attach", str(a)]
    cli(*args, env=w["senv"])
    cli("source", "send", "--vault", str(w["vault"]), "--now", env=w["senv"])


def drop_blobs(data: Path) -> int:
    """Envelopes the drop still holds (its segment index; no file per envelope)."""
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(data / "blobs" / "segments" / "index.db")) as db:
        return int(db.execute("SELECT count(DISTINCT digest) FROM blobs").fetchone()[0])


def jpeg(path: Path) -> Path:
    Image.new("RGB", (50, 40), (200, 30, 30)).save(path, "JPEG")
    return path


def test_full_flow_with_reply(world: dict[str, Any], cli: Any) -> None:
    w = world
    send_report(w, cli, "Summons delivered to all men in the street", ["mob"], [jpeg(w["tmp"] / "s.jpg")])
    send_report(w, cli, "Teacher detained at night", ["det"])
    d, denv = str(w["desk"]), w["denv"]
    cli("desk", "fetch", "--desk", d, env=denv)
    cli("desk", "fetch", "--desk", d, env=denv)  # idempotent
    reports = json.loads(cli("desk", "list", "--desk", d, "--json", env=denv).stdout)
    assert len(reports) == 2
    for r in reports:
        # CLI.md's fields, plus the stable flag codes, the normalised event time and the status.
        assert set(r) == {"id", "categories", "text", "when", "where", "received_at", "attachments",
                          "capture_verified", "receipt_verified", "trusted", "flags", "flag_codes",
                          "event_time", "status", "client"}
        assert r["capture_verified"] and r["receipt_verified"] and r["trusted"] and r["flags"] == []
        assert r["client"] == "app"  # tysha source signs it in the manifest (issue 11)
    mob = next(r for r in reports if r["categories"] == ["mob"])
    assert mob["attachments"][0]["name"] == "s.jpg"
    assert mob["attachments"][0]["sha256"] == __import__("hashlib").sha256((w["tmp"] / "s.jpg").read_bytes()).hexdigest()
    shown = json.loads(cli("desk", "show", mob["id"], "--desk", d, "--json", env=denv).stdout)
    assert shown["status"] == "new" and shown["source"].startswith("Source 1") and shown["log_consistent"]
    assert [e["action"] for e in shown["custody"]][:2] == ["received", "verified"]
    # Readable text, no Python reprs (issue 10.13).
    text = cli("desk", "show", mob["id"], "--desk", d, env=denv).stdout
    assert "attachment 0: s.jpg" in text and "trusted:           yes" in text
    for repr_mark in ("{", "[", "True", "False", "None"):
        assert repr_mark not in text, repr_mark
    cli("desk", "reply", mob["id"], "--desk", d, "--text", "Received. Delete the photo.", env=denv)
    replies = json.loads(cli("source", "replies", "--vault", str(w["vault"]), "--json", env=w["senv"]).stdout)
    assert [r["text"] for r in replies] == ["Received. Delete the photo."]
    # The drop no longer lists the handler's slots as pending: the desk deleted them.
    assert json.loads(cli("desk", "fetch", "--desk", d, "--json", env=denv).stdout)["new"] == 0


def test_at_rest_nothing_readable(world: dict[str, Any], cli: Any) -> None:
    w = world
    photo = jpeg(w["tmp"] / "evidence.jpg")
    send_report(w, cli, "Canary text: filtration camp behind the stadium", ["fil"], [photo])
    cli("desk", "fetch", "--desk", str(w["desk"]), env=w["denv"])
    blob = b"".join(p.read_bytes() for p in w["desk"].rglob("*") if p.is_file())
    assert b"Canary text" not in blob and "Canary text".encode("utf-16-le") not in blob
    assert photo.read_bytes()[:200] not in blob
    assert b"Source 1" not in blob
    bad = cli("desk", "list", "--desk", str(w["desk"]), "--json", env={"TYSHA_PASSPHRASE": "wrong"}, check=False)
    assert bad.returncode == 1 and "wrong desk passphrase" in bad.stderr


def test_revoked_source_is_flagged(world: dict[str, Any], cli: Any) -> None:
    w = world
    d, denv = str(w["desk"]), w["denv"]
    send_report(w, cli, "first", ["per"])
    cli("desk", "fetch", "--desk", d, env=denv)
    cli("desk", "revoke", "Source 1", "--desk", d, env=denv)
    send_report(w, cli, "after the phone was seized", ["per"])
    cli("desk", "fetch", "--desk", d, env=denv)
    reports = json.loads(cli("desk", "list", "--desk", d, "--json", env=denv).stdout)
    later = next(r for r in reports if r["text"] == "after the phone was seized")
    shown = json.loads(cli("desk", "show", later["id"], "--desk", d, "--json", env=denv).stdout)
    assert shown["revoked"] is True and shown["trusted"] is False


def test_fork_is_reported_loudly(tmp_path: Path, world: dict[str, Any], cli: Any) -> None:
    w = world
    d, denv = str(w["desk"]), w["denv"]
    send_report(w, cli, "one", ["atk"])
    send_report(w, cli, "two", ["atk"])
    cli("desk", "fetch", "--desk", d, env=denv)
    # A second history under the same log key: copy the key, start over, serve it at the same URL.
    forked = tmp_path / "forked"
    forked.mkdir()
    for name in ("log.key", "drop.json"):
        shutil.copy(w["data"] / name, forked / name)
    from tysha.drop.service import DropService
    from tysha.protocol import Identity, seal_envelope
    from tysha.transport import DropClient

    DropService(forked).store.close()
    with threaded_drop(tmp_path / "honest-stand-in", data_dir=forked) as (furl, _fvkey, _):
        with DropClient(furl) as c:
            for _ in range(5):
                c.upload(seal_envelope(b"other history", [Identity.generate(os.urandom).public()], os.urandom))
        # point the desk at the forked drop's address (same key, different history)
        from tysha.desk.store import DeskStore

        store = DeskStore.open(w["desk"], DESK_PASS)
        drop = store.drops()[0]
        drop.url = furl
        store.save_drop(drop)
        store.close()
        r = cli("desk", "fetch", "--desk", d, env=denv, check=False)
    assert r.returncode == 1 and "FORK" in r.stderr
    # Issue 8/10.2: the reports that came through the forked drop are no longer taken at face
    # value, although their stored field says consistent; `desk show` and `desk list` say so.
    reports = json.loads(cli("desk", "list", "--desk", d, "--json", env=denv).stdout)
    assert len(reports) == 2
    assert all(r["trusted"] is False and "log-forked" in r["flag_codes"] and r["flags"] for r in reports)
    shown = json.loads(cli("desk", "show", reports[0]["id"], "--desk", d, "--json", env=denv).stdout)
    assert shown["log_consistent"] is False and "log-forked" in shown["flag_codes"]
    table = cli("desk", "list", "--desk", d, env=denv).stdout.splitlines()
    assert table[0].split()[:2] == ["ID", "RECEIVED"] and "FLAGS" in table[0]
    assert all("log-forked" in line for line in table[1:])
    text = cli("desk", "show", reports[0]["id"][:5], "--desk", d, env=denv).stdout
    assert "FLAG log-forked" in text and "log consistent:    NO" in text


def test_export_and_verify(world: dict[str, Any], cli: Any) -> None:
    w = world
    d, denv = str(w["desk"]), w["denv"]
    send_report(w, cli, "children moved to a camp", ["chd"], [jpeg(w["tmp"] / "c.jpg")])
    cli("desk", "fetch", "--desk", d, env=denv)
    out = w["tmp"] / "bundle.zip"
    cli("desk", "export", "--desk", d, "--out", str(out), env=denv)
    ok = cli("verify", str(out))
    assert "bundle ok: 1 report verified" in ok.stdout and "[7] ok" in ok.stdout
    names = zipfile.ZipFile(out).namelist()

    def rewrite(drop: str | None = None, change: str | None = None, flip: bool = False) -> Path:
        bad = w["tmp"] / f"bad-{len(list(w['tmp'].glob('bad-*')))}.zip"
        with zipfile.ZipFile(out) as zin, zipfile.ZipFile(bad, "w") as zout:
            for n in zin.namelist():
                if n == drop:
                    continue
                data = zin.read(n)
                if n == change:
                    b = bytearray(data)
                    b[len(b) // 2] ^= 1
                    data = bytes(b)
                zout.writestr(n, data)
        return bad

    attachment = next(n for n in names if "/files/" in n)
    for bad, step in ((rewrite(change=attachment), "step 3"), (rewrite(drop=attachment), "step 3"),
                      (rewrite(change="custody.json"), "step 3"), (rewrite(change="bundle.json"), "step 2")):
        r = cli("verify", str(bad), check=False)
        assert r.returncode == 1 and step in r.stderr, (bad, r.stderr)
    truncated = w["tmp"] / "truncated.zip"
    truncated.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
    r = cli("verify", str(truncated), check=False)
    assert r.returncode == 1 and "tysha: error" in r.stderr


def test_demo_runs(cli: Any) -> None:
    out = json.loads(cli("demo", "--no-serve", "--json", "--reports", "20").stdout)
    assert out["reports_sent"] == 20 and out["reports_fetched"] == 20 and out["errors"] == []
    # The folder is deleted on exit: the output names none (issue 10.13).
    assert "desk" not in out and "root" not in out and out["kept"] is False


def test_escrow_desk_opens_what_is_sealed_to_it(tmp_path: Path, drop: tuple[str, str, Path], cli: Any) -> None:
    url, vkey, data = drop
    denv = {"TYSHA_PASSPHRASE": DESK_PASS}
    escrow, handler = tmp_path / "escrow", tmp_path / "handler"
    cli("desk", "init", "--desk", str(escrow), "--name", "Org escrow", "--escrow", env=denv)
    info = json.loads(cli("desk", "info", "--desk", str(escrow), "--json").stdout)
    assert info["role"] == "escrow" and info["public_key"].startswith("tysha-key1:")
    cli("desk", "init", "--desk", str(handler), "--name", "Cell", "--escrow-key", info["public_key"], env=denv)
    code = cli("desk", "invite", "--desk", str(handler), "--drop", url, "--drop-key", vkey, env=denv).stdout.strip()
    senv = {"TYSHA_PASSPHRASE": SRC_PASS}
    vault = tmp_path / "v"
    cli("source", "init", "--vault", str(vault), "--size", "4MiB", env=senv)
    cli("source", "enroll", "--vault", str(vault), "--invitation", code, env=senv)
    cli("source", "report", "--vault", str(vault), "--category", "kil", "--text", "for both desks", env=senv)
    cli("source", "send", "--vault", str(vault), "--now", env=senv)
    cli("desk", "fetch", "--desk", str(handler), env=denv)
    assert drop_blobs(data) == 1  # the escrow copy is still waiting at the drop
    cli("desk", "fetch", "--desk", str(escrow), "--drop", url, "--drop-key", vkey, env=denv)
    for d in (handler, escrow):
        reports = json.loads(cli("desk", "list", "--desk", str(d), "--json", env=denv).stdout)
        assert [r["text"] for r in reports] == ["for both desks"]
    assert drop_blobs(data) == 0  # both slots collected


def test_invitation_is_one_time(world: dict[str, Any], cli: Any) -> None:
    """A second key presenting an invitation that already enrolled someone is not a source."""
    w = world
    d, denv = str(w["desk"]), w["denv"]
    send_report(w, cli, "from the real source", ["det"])
    cli("desk", "fetch", "--desk", d, env=denv)
    from tysha.desk.store import DeskStore

    store = DeskStore.open(w["desk"], DESK_PASS)
    code = store.list_invitations()[0].text
    assert store.list_invitations()[0].used is True
    store.close()
    intruder = w["tmp"] / "intruder.vault"
    cli("source", "init", "--vault", str(intruder), "--size", "4MiB", env=w["senv"])
    cli("source", "enroll", "--vault", str(intruder), "--invitation", code, env=w["senv"])
    cli("source", "report", "--vault", str(intruder), "--category", "det", "--text", "planted", env=w["senv"])
    cli("source", "send", "--vault", str(intruder), "--now", env=w["senv"])
    fetched = cli("desk", "fetch", "--desk", d, env=denv).stdout
    assert "1 of them flagged" in fetched
    reports = json.loads(cli("desk", "list", "--desk", d, "--json", env=denv).stdout)
    planted = next(r for r in reports if r["text"] == "planted")
    shown = json.loads(cli("desk", "show", planted["id"], "--desk", d, "--json", env=denv).stdout)
    assert shown["trusted"] is False and shown["source"].startswith("unknown")
    assert any("already enrolled another key" in p for p in shown["problems"])
    # Issue 10.2: the flag shows in `desk list` too, with its reason and its code.
    assert planted["trusted"] is False and planted["flag_codes"] == ["invitation-reused"]
    assert "one-time invitation" in planted["flags"][0]
    genuine = next(r for r in reports if r["text"] == "from the real source")
    assert genuine["trusted"] is True and genuine["flags"] == []
    store = DeskStore.open(w["desk"], DESK_PASS)
    assert [s.pseudonym.split(" · ")[0] for s in store.list_sources()] == ["Source 1"]
    assert "invitation-reused" in [e["action"] for e in store.custody_events()]
    store.close()


def test_receipt_failure_is_flagged_and_slot_kept(world: dict[str, Any], cli: Any) -> None:
    """A drop serving an envelope its log does not hold there: kept, flagged, not deleted."""
    w = world
    send_report(w, cli, "proof will not hold", ["atk"])
    from tysha.desk.fetch import fetch_all
    from tysha.desk.store import DeskStore
    from tysha.transport import DropClient

    class LyingProofs(DropClient):
        def inclusion_proof(self, index: int, size: int) -> list[bytes]:
            return [bytes(32)] * max(1, len(super().inclusion_proof(index, size)))

    store = DeskStore.open(w["desk"], DESK_PASS)
    res = fetch_all(store, client_factory=LyingProofs)
    assert len(res.new_reports) == 1 and res.warnings
    r = store.get_report(res.new_reports[0])
    assert r["receipt_verified"] is False and r["trusted"] is False
    from tysha.desk.views import report_view

    assert report_view(store, r).flag_codes == ["receipt-unverified"]
    assert any(p.startswith("receipt:") for p in r["problems"])
    assert drop_blobs(w["data"]) >= 1  # slot left on the drop
    again = fetch_all(store)  # idempotent even so
    assert again.new_reports == [] and len(store.list_reports()) == 1
    store.close()


def test_store_api_sources_custody_and_order(tmp_path: Path) -> None:
    from tysha.desk.store import DeskStore, init_desk
    from tysha.errors import ConfigError
    from tysha.evidence.custody import CustodyEvent, verify_chain
    from tysha.protocol import Identity

    init_desk(tmp_path / "d", "Escrow", DESK_PASS, role="escrow")
    with pytest.raises(ConfigError, match="wrong desk passphrase"):
        DeskStore.open(tmp_path / "d", "not the passphrase")
    store = DeskStore.open(tmp_path / "d", DESK_PASS)
    keys = [Identity.generate(os.urandom).public() for _ in range(12)]
    made = [store.source_for(k, None) for k in keys]
    assert [s.pseudonym.split(" · ")[0] for s in store.list_sources()] == [f"Source {i}" for i in range(1, 13)]
    assert store.find_source("Source 1").id == made[0].id  # not "Source 10"
    assert store.find_source("source 12").id == made[11].id
    assert store.revoke("Source 3").revoked and store.get_source(made[2].id).revoked
    for i in range(3):
        store.add_report(os.urandom(32), {"received_at": f"2026-01-01T10:00:0{i}Z", "text": f"r{i}",
                                          "categories": ["det"]})
    assert [r["text"] for r in store.list_reports()] == ["r2", "r1", "r0"]
    rid = store.list_reports(search="R1")[0].id
    store.set_status(rid, "reviewing", "analyst A")
    store.add_qualification(rid, "RS 7(1)(i)", "medium", "analyst A")
    store.add_note(rid, "call back on Tuesday", "analyst A")
    with pytest.raises(ConfigError):
        store.set_status(rid, "closed", "analyst A")
    assert [r.id for r in store.list_reports(status="reviewing")] == [rid]
    events = [CustodyEvent.from_json(e) for e in store.custody_events()]
    verify_chain(events, store.public.sign)
    assert [e["action"] for e in store.custody_events(rid)] == ["status", "qualified", "annotated"]
    assert events[-1].at.endswith("Z") and len(events[-1].at) == 20  # to the second
    store.close()


def test_cli_outbox_revoke_prefix_and_exit_codes(world: dict[str, Any], cli: Any) -> None:
    """Issues 10.5, 10.6, 10.13 through the real CLI."""
    w = world
    d, denv = str(w["desk"]), w["denv"]
    send_report(w, cli, "first report", ["det"])
    send_report(w, cli, "second report", ["det"])
    cli("desk", "fetch", "--desk", d, env=denv)
    reports = json.loads(cli("desk", "list", "--desk", d, "--json", env=denv).stdout)
    rid = reports[0]["id"]
    down = dict(denv, TYSHA_PROXY="socks5://127.0.0.1:9")  # nothing listens there: unreachable
    r = cli("desk", "fetch", "--desk", d, env=down, check=False)
    assert r.returncode == 1 and "could not reach" in r.stderr and "Traceback" not in r.stderr
    r = cli("desk", "reply", rid, "--desk", d, "--text", "Stay safe; we read it.", env=down)
    assert "queued" in r.stdout and "sent;" not in r.stdout
    r = cli("desk", "send", "--desk", d, env=down, check=False)
    assert r.returncode == 1 and "replies still queued: 1;" in r.stderr, r.stderr  # not "1 replies"
    assert cli("source", "replies", "--vault", str(w["vault"]), "--json", env=w["senv"]).stdout.strip() == "[]"
    assert "1 reply sent" in cli("desk", "send", "--desk", d, env=denv).stdout
    replies = json.loads(cli("source", "replies", "--vault", str(w["vault"]), "--json", env=w["senv"]).stdout)
    assert [x["text"] for x in replies] == ["Stay safe; we read it."]
    shown = json.loads(cli("desk", "show", rid, "--desk", d, "--json", env=denv).stdout)
    at = shown["replies"][0]["at"]
    assert len(at) == 20 and at.endswith("Z") and shown["replies"][0]["sent_at"]
    # Ambiguous or unknown id prefixes are clear errors; show prints no Python reprs.
    r = cli("desk", "show", "", "--desk", d, env=denv, check=False)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    r = cli("desk", "show", "nonexistent", "--desk", d, env=denv, check=False)
    assert r.returncode == 1 and "no report" in r.stderr
    text = cli("desk", "show", rid, "--desk", d, env=denv).stdout
    assert "{" not in text and "[" not in text.replace("[verify]", "")
    # Revoke with a reason (no terminal: no prompt), then restore.
    cli("desk", "revoke", "Source 1", "--desk", d, "--reason", "phone seized", env=denv)
    flagged = json.loads(cli("desk", "list", "--desk", d, "--json", env=denv).stdout)
    assert all("revoked-source" in x["flag_codes"] for x in flagged)
    cli("desk", "restore", "Source 1", "--desk", d, "--reason", "false alarm", env=denv)
    shown = json.loads(cli("desk", "show", rid, "--desk", d, "--json", env=denv).stdout)
    assert shown["trusted"] is True
    reasons = [e["detail"].get("reason") for e in shown["custody"]]
    assert reasons == [None] * len(reasons)  # source events are desk-wide, not per report
    from tysha.desk.service import Desk

    with Desk.open(w["desk"], DESK_PASS) as desk:
        ev = [e for e in desk.custody() if e["action"] in ("source-revoked", "source-restored")]
    assert [e["detail"]["reason"] for e in ev] == ["phone seized", "false alarm"]


def test_serve_fails_with_one_line(tmp_path: Path, cli: Any) -> None:
    """Issue 10.11: a missing desk or a busy port fail with one clear line, before "web desk on"."""
    import socket

    r = cli("desk", "serve", "--desk", str(tmp_path / "none"), check=False)
    assert r.returncode == 1 and "is not a desk" in r.stderr and "web desk on" not in r.stdout
    cli("desk", "init", "--desk", str(tmp_path / "d"), "--name", "x", env={"TYSHA_PASSPHRASE": DESK_PASS})
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        r = cli("desk", "serve", "--desk", str(tmp_path / "d"), "--port", str(port), check=False)
    finally:
        busy.close()
    assert r.returncode == 1 and "port" in r.stderr and "web desk on" not in r.stdout
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_serve_beyond_loopback_says_so_and_refuses_a_wildcard(tmp_path: Path, cli: Any) -> None:
    """`desk serve --i-know-this-is-exposed` on a wildcard printed "web desk on
    http://0.0.0.0:8090/", an address that answers nothing but loopback (the desk serves only
    the name it is bound to): refused, one line. On a real non-loopback address it warns, on
    stderr, that the passphrase and every page cross the network unencrypted."""
    import subprocess
    import sys

    from tysha.drop.launcher import free_port

    d = tmp_path / "d"
    cli("desk", "init", "--desk", str(d), "--name", "x", env={"TYSHA_PASSPHRASE": DESK_PASS})
    for wildcard in ("0.0.0.0", "::"):
        r = cli("desk", "serve", "--desk", str(d), "--host", wildcard, "--i-know-this-is-exposed",
                check=False)  # fmt: skip
        assert r.returncode == 1 and "not a wildcard" in r.stderr and "web desk on" not in r.stdout
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tysha.cli", "desk", "serve", "--desk", str(d), "--host",
         "127.0.0.2", "--port", str(port), "--i-know-this-is-exposed"],
        env={**os.environ, "TYSHA_PASSPHRASE": DESK_PASS, "TYSHA_LANG": "en"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        listening = proc.stdout.readline()  # printed once it listens; the warning just after
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    assert f"web desk on http://127.0.0.2:{port}/" in listening
    assert "warning: the web desk is reachable from the network" in err and "unencrypted" in err


def test_where_a_report_came_from_and_the_handler_name(
    world: dict[str, Any], cli: Any, tmp_path: Path
) -> None:
    """Issue 11: the desk shows "app" for a tysha source report everywhere the report appears
    (show, list, bundle summary); the invitation names the handler as the desk is named."""
    w = world
    d, denv = str(w["desk"]), w["denv"]
    vault = tmp_path / "v2.vault"
    cli("source", "init", "--vault", str(vault), "--size", "8MiB", env=w["senv"])
    code = cli("desk", "invite", "--desk", d, "--drop", w["url"], "--drop-key", w["vkey"],
               env=denv).stdout.strip()
    out = cli("source", "enroll", "--vault", str(vault), "--invitation", code, env=w["senv"]).stdout
    assert "your contact's name: \u2068Test cell\u2069" in out  # bidi-isolated, before the key
    assert out.index("Test cell") < out.index("fingerprint")
    send_report(w, cli, "a report from the app", ["det"])
    cli("desk", "fetch", "--desk", d, env=denv)
    rid = json.loads(cli("desk", "list", "--desk", d, "--json", env=denv).stdout)[0]["id"]
    assert json.loads(cli("desk", "show", rid, "--desk", d, "--json", env=denv).stdout)[
        "client"] == "app"
    assert "sent from:         app (tysha source)" in cli("desk", "show", rid, "--desk", d,
                                                          env=denv).stdout
    table = cli("desk", "list", "--desk", d, env=denv).stdout.splitlines()
    assert "FROM" in table[0] and " app " in table[1]
    bundle = tmp_path / "b.zip"
    cli("desk", "export", "--desk", d, "--out", str(bundle), env=denv)
    assert "bundle ok" in cli("verify", str(bundle)).stdout
    readme = zipfile.ZipFile(bundle).read("README.txt").decode()
    assert "Sent from (browser or app): app" in readme


@pytest.mark.parametrize(("lang", "words"), [("en", "has no report.pdf"),
                                            ("uk", "немає report.pdf")])
def test_export_says_when_the_bundle_has_no_pdf(
    world: dict[str, Any], cli: Any, monkeypatch: pytest.MonkeyPatch, lang: str, words: str
) -> None:
    """When the PDF cannot be made here (no font, no fpdf2, over its time budget) the bundle
    goes out without it: before, `desk export` said nothing of it."""
    from tysha.desk import bundle

    w = world
    d, denv = str(w["desk"]), w["denv"]
    send_report(w, cli, "taken at night", ["det"], [])
    cli("desk", "fetch", "--desk", d, env=denv)
    monkeypatch.setattr(bundle, "render_pdf", lambda page: None)
    out = w["tmp"] / "b.zip"
    r = cli("desk", "export", "--desk", d, "--out", str(out), env={**denv, "TYSHA_LANG": lang})
    assert words in r.stderr and "report.html" in r.stderr
    names = zipfile.ZipFile(out).namelist()
    assert "report.html" in names and "report.pdf" not in names


#: What a seized phone can put in a report to rewrite the handler's terminal: cursor up and
#: erase the line above (the 'trusted: NO' line), a carriage return, an OSC 8 hyperlink and a
#: window title (BEL-ended), a C1 CSI (0x9b), and a right-to-left override.
HOSTILE = ("calm\x1b[1A\x1b[2K  trusted:           yes\rX\x1b]8;;http://evil.example/\x07link"
           "\x1b]8;;\x07\x1b]0;title\x07 \x9b31m red \u202eflipped\u202c end")
CONTROLS = ("\x1b", "\r", "\x07", "\x9b", "\u202e", "\u202c")


def test_hostile_report_text_cannot_rewrite_the_terminal(world: dict[str, Any], cli: Any) -> None:
    """A report's text, place and attachment name are the sender's: printed raw by
    `desk show`/`list`, escape sequences in them erased the 'trusted: NO' line printed
    before and wrote their own. Every control character is now shown as a visible token;
    newlines in the text stay as indented lines; --json keeps the text exact."""
    w = world
    d, denv = str(w["desk"]), w["denv"]
    photo = jpeg(w["tmp"] / "ph\x1b[2Ko\u202egpj.exe.jpg")
    args = ["source", "report", "--vault", str(w["vault"]), "--category", "det",
            "--text", "first line\n" + HOSTILE, "--where", "Kherson\x1b[1A\nfake: line",
            "--attach", str(photo)]
    cli(*args, env=w["senv"])
    cli("source", "send", "--vault", str(w["vault"]), "--now", env=w["senv"])
    cli("desk", "fetch", "--desk", d, env=denv)
    rid = json.loads(cli("desk", "list", "--desk", d, "--json", env=denv).stdout)[0]["id"]
    assert json.loads(cli("desk", "show", rid, "--desk", d, "--json", env=denv).stdout)[
        "text"] == "first line\n" + HOSTILE
    for out in (cli("desk", "show", rid, "--desk", d, env=denv).stdout,
                cli("desk", "list", "--desk", d, env=denv).stdout):
        for c in CONTROLS:
            assert c not in out, (repr(c), out)
        assert "calm⟨U+001B⟩[1A⟨U+001B⟩[2K" in out  # `list` shows the text's first 60
    shown = cli("desk", "show", rid, "--desk", d, env=denv).stdout.splitlines()
    assert "  first line" in shown  # the text's own lines, indented as before
    assert any(line.startswith("  calm⟨U+001B⟩[1A") and "⟨U+000D⟩X" in line for line in shown)
    assert not any(line.startswith("fake") for line in shown)  # the place stays on its line
    assert any("Kherson⟨U+001B⟩[1A⟨U+000A⟩fake: line" in line for line in shown)
    assert any("ph⟨U+001B⟩[2Ko⟨U+202E⟩gpj.exe.jpg" in line for line in shown)
    assert any("⟨U+202E⟩flipped⟨U+202C⟩ end" in line for line in shown)
    # an error line naming a file (a bundle someone sent) shows its name the same way
    err = cli("verify", str(w["tmp"] / "b\x1b[2K\u202epiz.zip"), check=False).stderr
    assert "\x1b" not in err and "\u202e" not in err and "b⟨U+001B⟩[2K⟨U+202E⟩piz" in err


def test_a_verify_step_quoting_a_bundle_cannot_rewrite_the_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`tysha verify` quotes a bundle's carried provenance (a C2PA signer's name is the photo's
    own words): an escape sequence there could erase the UNPINNED or FLAG line above it."""
    from tysha.evidence.bundle import Step
    from tysha.verify import _echo

    _echo(Step(4, "carried provenance",
               "report abc: c2pa valid, signed by \x1b[1A\x1b[2K\r  [2] ok  desk key pinned"))
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out
    assert "signed by ⟨U+001B⟩[1A⟨U+001B⟩[2K⟨U+000D⟩  [2] ok" in out


def test_a_bundles_readme_shows_a_hostile_place_on_its_own_line(
    world: dict[str, Any], cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README.txt, what a court reads first, wrote a source's place raw: its line breaks added
    lines of the sender's choosing (a second 'Source key fingerprint' before the real one) and
    its escape sequences, in a terminal, erased the FLAGS lines above. Such characters are now
    visible tokens on the place's own line; a bundle from before (raw) still verifies, with a
    note that says so."""
    from tysha.evidence import bundle as evidence_bundle

    w = world
    d, denv = str(w["desk"]), w["denv"]
    fake = "  Source key fingerprint: 0000"
    cli("source", "report", "--vault", str(w["vault"]), "--category", "det", "--text", "t",
        "--where", f"Kyiv\x1b[1A\x1b[2K\r\n{fake}", env=w["senv"])
    cli("source", "send", "--vault", str(w["vault"]), "--now", env=w["senv"])
    cli("desk", "fetch", "--desk", d, env=denv)
    out = w["tmp"] / "bundle.zip"
    cli("desk", "export", "--desk", d, "--out", str(out), env=denv)
    readme = zipfile.ZipFile(out).read("README.txt").decode()
    assert "\x1b" not in readme and "\r" not in readme
    assert f"  Where (source): Kyiv⟨U+001B⟩[1A⟨U+001B⟩[2K⟨U+000D⟩⟨U+000A⟩{fake}\n" in readme
    assert not any(line.startswith(fake) for line in readme.splitlines())
    ok = cli("verify", str(out)).stdout
    assert "bundle ok: 1 report verified" in ok and "made before" not in ok
    # A bundle exported before this change (README raw) still verifies, and verify says so.
    raw = evidence_bundle.summary_text
    monkeypatch.setattr("tysha.desk.bundle.summary_text",
                        lambda *a, **k: raw(*a, **k, raw=True))
    old = w["tmp"] / "old.zip"
    cli("desk", "export", "--desk", d, "--out", str(old), env=denv)
    assert "\x1b" in zipfile.ZipFile(old).read("README.txt").decode()
    ok = cli("verify", str(old)).stdout
    assert "bundle ok: 1 report verified" in ok
    assert "README.txt was made before" in ok


def test_a_bundles_report_page_shows_hidden_characters(
    world: dict[str, Any], cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """report.html (and report.pdf, typeset from it) put a source's words in the page as they
    came: a right-to-left override made the court read 'ph<RLO>gpj.exe.jpg' as 'phgpj.exe.jpg'
    reversed ('exe.jpg'), zero-width characters made two different names or places look the
    same. They are now visible tokens, as on the web desk; a page made before still verifies,
    with a note."""
    from tysha.evidence import report_html

    w = world
    d, denv = str(w["desk"]), w["denv"]
    photo = jpeg(w["tmp"] / "ph\u202egpj.exe.jpg")
    cli("source", "report", "--vault", str(w["vault"]), "--category", "det", "--text",
        "line one\nline two \u200bhidden", "--where", "Bu\u200dcha", "--attach", str(photo),
        env=w["senv"])
    cli("source", "send", "--vault", str(w["vault"]), "--now", env=w["senv"])
    cli("desk", "fetch", "--desk", d, env=denv)
    out = w["tmp"] / "bundle.zip"
    cli("desk", "export", "--desk", d, "--out", str(out), env=denv)
    page = zipfile.ZipFile(out).read("report.html").decode()
    assert "\u202e" not in page and "\u200b" not in page and "\u200d" not in page
    assert "ph⟨U+202E⟩gpj.exe.jpg" in page and "Bu⟨U+200D⟩cha" in page
    assert "line one\nline two ⟨U+200B⟩hidden" in page  # its line breaks as they were
    ok = cli("verify", str(out)).stdout
    assert "bundle ok: 1 report verified" in ok and "made before" not in ok
    raw = report_html.render_report_html
    monkeypatch.setattr("tysha.desk.bundle.render_report_html",
                        lambda **k: raw(**k, raw=True))
    old = w["tmp"] / "old.zip"
    cli("desk", "export", "--desk", d, "--out", str(old), env=denv)
    assert "\u202e" in zipfile.ZipFile(old).read("report.html").decode()
    ok = cli("verify", str(old)).stdout
    assert "bundle ok: 1 report verified" in ok and "report.html was made before" in ok
    # A page of a desk older still: its characters raw and, like every page then, the claim
    # that the custody head is anchored though this bundle carries no anchor. Both are said.
    monkeypatch.setattr("tysha.desk.bundle.render_report_html",
                        lambda **k: raw(**dict(k, anchored=True), raw=True))
    oldest = w["tmp"] / "oldest.zip"
    cli("desk", "export", "--desk", d, "--out", str(oldest), env=denv)
    ok = cli("verify", str(oldest)).stdout
    assert "bundle ok: 1 report verified" in ok and "report.html was made before" in ok
    assert "as an earlier desk wrote it for every bundle" in ok


def test_json_output_carries_no_raw_c1_or_bidi_characters(world: dict[str, Any], cli: Any) -> None:
    """--json printed the text with ensure_ascii=False: JSON escapes C0 controls, but a C1
    CSI (U+009B, which terminals take for ESC [) and bidi overrides went to the terminal raw.
    They are now \\u escapes, which every JSON reader decodes to the same exact text."""
    w = world
    d, denv = str(w["desk"]), w["denv"]
    text = "a\x9b2K b\u202ec\x7f d\U000e0041 ж"
    send_report(w, cli, text, ["det"])
    cli("desk", "fetch", "--desk", d, env=denv)
    listed = cli("desk", "list", "--desk", d, "--json", env=denv).stdout
    rid = json.loads(listed)[0]["id"]
    shown = cli("desk", "show", rid, "--desk", d, "--json", env=denv).stdout
    for out in (listed, shown):
        for c in ("\x9b", "\u202e", "\x7f", "\U000e0041"):
            assert c not in out, (repr(c), out)
        assert "\\u009b" in out and "\\u202e" in out and "\\udb40\\udc41" in out
        assert "ж" in out  # everything else stays as it is (UTF-8, not \\u escapes)
    assert json.loads(shown)["text"] == text and json.loads(listed)[0]["text"] == text


def test_an_escrow_desk_does_not_claim_a_reply_its_source_will_never_read(
    tmp_path: Path, drop: tuple[str, str, Path], cli: Any
) -> None:
    """The org escrow desk opens every report too, and its `desk reply` said "reply sent": but
    a source reads replies signed by its handler's key only, so it never saw it ("no replies
    yet."; the browser page showed it as from an unknown key). The escrow desk refuses, says
    why, and nothing goes to the drop."""
    url, vkey, data = drop
    env, senv = {"TYSHA_PASSPHRASE": DESK_PASS}, {"TYSHA_PASSPHRASE": SRC_PASS}
    esc, hd, v = tmp_path / "escrow", tmp_path / "handler", tmp_path / "v.vault"
    cli("desk", "init", "--desk", str(esc), "--name", "Org escrow", "--escrow", env=env)
    key = json.loads(cli("desk", "info", "--desk", str(esc), "--json", env=env).stdout)["public_key"]
    cli("desk", "init", "--desk", str(hd), "--name", "Cell", "--escrow-key", key, env=env)
    code = cli("desk", "invite", "--desk", str(hd), "--drop", url, "--drop-key", vkey, env=env).stdout.strip()
    cli("source", "init", "--vault", str(v), "--size", "4MiB", env=senv)
    cli("source", "enroll", "--vault", str(v), "--invitation", code, env=senv)
    cli("source", "report", "--vault", str(v), "--category", "det", "--text", "taken", env=senv)
    cli("source", "send", "--vault", str(v), "--now", env=senv)
    cli("desk", "fetch", "--desk", str(esc), "--drop", url, "--drop-key", vkey, env=env)
    [r] = json.loads(cli("desk", "list", "--desk", str(esc), "--json", env=env).stdout)
    size = json.loads(cli("drop", "info", "--data", str(data), "--json").stdout)["tree_size"]
    out = cli("desk", "reply", r["id"], "--desk", str(esc), "--text", "we have it", env=env, check=False)
    assert out.returncode == 1 and "escrow desk does not reply" in out.stderr, out.stdout
    assert json.loads(cli("drop", "info", "--data", str(data), "--json").stdout)["tree_size"] == size
    uk = cli("desk", "reply", r["id"], "--desk", str(esc), "--text", "x", check=False,
             env={**env, "TYSHA_LANG": "uk"})
    assert uk.returncode == 1 and "депозитарій" in uk.stderr, uk.stderr


def test_a_reply_at_a_terminal_names_its_recipient_first(
    world: dict[str, Any], cli: Any, confirms: list[tuple[str, bool]]
) -> None:
    """`desk reply ID` takes a report id or any unambiguous start of one: a mistyped prefix
    that happens to fit another report sent the reply - irreversibly - to that report's
    source, and the command said only "reply sent". At a terminal it now asks first, naming
    the source and the report it resolved to (--yes, or a script without a terminal, keeps
    CLI.md's one-line form); declined, nothing is queued or sent."""
    from tysha.desk.service import Desk

    w = world
    d, denv = str(w["desk"]), w["denv"]
    send_report(w, cli, "the checkpoint moved", ["det"])
    cli("desk", "fetch", "--desk", d, env=denv)
    [report] = json.loads(cli("desk", "list", "--desk", d, "--json", env=denv).stdout)
    asked = confirms
    r = cli("desk", "reply", report["id"][:3], "--desk", d, "--text", "Stay safe.", env=denv,
            check=False)  # fmt: skip
    assert r.returncode == 1 and "not confirmed" in r.stderr
    [(question, _yes)] = asked
    assert report["id"] in question and "Source 1" in question
    with Desk.open(w["desk"], DESK_PASS) as desk:
        assert desk.outbox() == [] and not desk.report(report["id"]).replies
    r = cli("desk", "reply", report["id"][:3], "--desk", d, "--text", "Stay safe.", "--yes",
            env=denv)  # fmt: skip
    assert asked[-1][1] is True and "reply sent" in r.stdout


def test_a_code_used_by_a_second_key_is_flagged_at_the_escrow_desk_too(
    tmp_path: Path, drop: tuple[str, str, Path], cli: Any
) -> None:
    """An invitation is one-time: the handler desk flags a second key presenting a code that
    enrolled another (a photographed code, threat model A9). The org escrow desk, which sees the
    same code in both reports, enrolled every key and showed the infiltrator's "planted" report
    unflagged, as from a source of its own. It now flags it as the handler does."""
    url, vkey, _data = drop
    env, senv = {"TYSHA_PASSPHRASE": DESK_PASS}, {"TYSHA_PASSPHRASE": SRC_PASS}
    esc, hd = tmp_path / "escrow", tmp_path / "handler"
    cli("desk", "init", "--desk", str(esc), "--name", "Org escrow", "--escrow", env=env)
    key = json.loads(cli("desk", "info", "--desk", str(esc), "--json", env=env).stdout)["public_key"]
    cli("desk", "init", "--desk", str(hd), "--name", "Cell", "--escrow-key", key, env=env)
    code = cli("desk", "invite", "--desk", str(hd), "--drop", url, "--drop-key", vkey, env=env).stdout.strip()
    for name, text in (("real", "from the real source"), ("intruder", "planted")):
        v = tmp_path / f"{name}.vault"
        cli("source", "init", "--vault", str(v), "--size", "4MiB", env=senv)
        cli("source", "enroll", "--vault", str(v), "--invitation", code, env=senv)
        cli("source", "report", "--vault", str(v), "--category", "det", "--text", text, env=senv)
        cli("source", "send", "--vault", str(v), "--now", env=senv)
    # The real source sends again (the code still in its report until the handler answers).
    v = tmp_path / "real.vault"
    cli("source", "report", "--vault", str(v), "--category", "det", "--text", "again", env=senv)
    cli("source", "send", "--vault", str(v), "--now", env=senv)
    for d in (hd, esc):
        cli("desk", "fetch", "--desk", str(d), "--drop", url, "--drop-key", vkey, env=env)
        reports = {r["text"]: r for r in json.loads(cli("desk", "list", "--desk", str(d), "--json", env=env).stdout)}
        assert reports["planted"]["trusted"] is False, d
        assert reports["planted"]["flag_codes"] == ["invitation-reused"], d
        assert reports["from the real source"]["flag_codes"] == [] and reports["again"]["flag_codes"] == []
    from tysha.desk.store import DeskStore

    store = DeskStore.open(esc, DESK_PASS)
    assert len(store.list_sources()) == 1
    assert "invitation-reused" in [e["action"] for e in store.custody_events()]
    store.close()


def test_anchor_every_is_set_shown_and_switched_off(tmp_path: Path, cli: Any) -> None:
    """The desk setting ``anchor_every`` (anchor after a fetch) could be set by no command, so
    nothing was anchored unless the handler remembered `desk anchor`: `desk anchor --every N`
    sets it, `--every 0` switches it off, and `desk info` says which it is."""
    env = {"TYSHA_PASSPHRASE": DESK_PASS}
    d = str(tmp_path / "desk")
    cli("desk", "init", "--desk", d, "--name", "Cell", env=env)
    cli("desk", "anchor", "--desk", d, "--every", "0", env=env)
    assert "anchor after fetch: off" in cli("desk", "info", "--desk", d, env=env).stdout
    out = cli("desk", "anchor", "--desk", d, "--every", "3", env=env).stdout
    assert "once 3 custody events are unanchored" in out
    assert "once 3 custody events are unanchored" in cli("desk", "info", "--desk", d, env=env).stdout
    info = json.loads(cli("desk", "info", "--desk", d, "--json", env=env).stdout)
    assert info["anchor_every"] == 3 and {"name", "role", "fingerprint", "public_key"} <= set(info)
    # Without the passphrase the rest is shown as before; the sealed setting is said unread.
    bare = cli("desk", "info", "--desk", d, env={"TYSHA_PASSPHRASE": ""})
    assert bare.returncode == 0 and "not read" in bare.stdout and "Cell" in bare.stdout
    assert json.loads(cli("desk", "info", "--desk", d, "--json",
                          env={"TYSHA_PASSPHRASE": ""}).stdout)["anchor_every"] is None
    wrong = json.loads(cli("desk", "info", "--desk", d, "--json",
                           env={"TYSHA_PASSPHRASE": "not it"}).stdout)
    assert wrong["anchor_every"] is None and wrong["name"] == "Cell"
    cli("desk", "anchor", "--desk", d, "--every", "0", env=env)
    assert json.loads(cli("desk", "info", "--desk", d, "--json", env=env).stdout)["anchor_every"] == 0
    for bad in (["--every", "-1"], ["--every", "2", "--drop", "http://127.0.0.1:9"],
                ["--every", "2", "--tor"]):
        r = cli("desk", "anchor", "--desk", d, *bad, env=env, check=False)
        assert r.returncode == 1 and "--every" in r.stderr and "Traceback" not in r.stderr
    # Each change is on record in the custody log; setting it again to the same is not.
    from tysha.desk.service import Desk

    with Desk.open(tmp_path / "desk", DESK_PASS) as desk:
        events = desk.store.custody_events()
    assert [e["detail"]["every"] for e in events if e["action"] == "anchor-every-set"] == [3, 0]
