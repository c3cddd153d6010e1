"""`desk fetch` killed outright (SIGKILL) between any two of its steps, then run again.

The claim is about a process, so the fetch runs in a child that kills itself at a chosen point
(no cleanup, no ``finally``); the drop is an in-process one over the same data folder in the
child and here. After the next fetch: the report is stored exactly once, its custody holds
each of its intake events once, and its copy on the drop is deleted - or, when it cannot be
deleted, the desk says so and tries again on the next fetch.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tysha.desk.service import Desk
from tysha.drop.launcher import in_process_drop
from tysha.errors import DropRefused, TransportError
from tysha.protocol import (
    Attachment,
    CaptureAttestation,
    Identity,
    Manifest,
    frame_content,
    seal_envelope,
)
from tysha.transport import DropClient

PASS = "desk passphrase for tests"
PHOTO = b"\xff\xd8\xff" + os.urandom(3000)

#: The child: fetch once, killing itself with SIGKILL right after (or before) ``point``.
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from tysha.desk import fetch, store
    from tysha.desk.service import Desk
    from tysha.drop.launcher import in_process_drop
    from tysha.transport import DropClient

    drop_dir, desk_dir, point = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def after(owner, name, when=lambda *a, **k: True):
        real = getattr(owner, name)
        def wrapper(*a, **k):
            out = real(*a, **k)
            if when(*a, **k):
                die()
            return out
        setattr(owner, name, wrapper)

    if point == "blobs":
        after(fetch._Intake, "step3_open")
    elif point == "report":
        after(store.DeskStore, "add_report")
    elif point in ("received", "verified", "deleted-from-drop"):
        after(store.DeskStore, "custody", lambda self, action, *a, **k: action == point)
    elif point == "drop-delete":
        after(DropClient, "delete")
    elif point == "cursor":
        real = fetch._save_cursor
        fetch._save_cursor = lambda *a: die()

    with in_process_drop(drop_dir) as d:
        desk = Desk.open(desk_dir, sys.argv[4],
                         client_factory=lambda url: DropClient(url, transport=d.transport))
        desk.fetch()
    sys.exit(3)  # the point was never reached
    """
)

POINTS = ["blobs", "report", "received", "verified", "drop-delete", "deleted-from-drop",
          "cursor"]


def _send(d: object, desk: Desk, inv: object, ident: Identity) -> int:
    sha = hashlib.sha256(PHOTO).digest()
    att = CaptureAttestation.create(ident, {"sha256": sha, "size": len(PHOTO),
                                            "media_type": "image/jpeg"})
    body = {"categories": ["det"], "text": "crash me", "when": "", "where": "",
            "created_at": ""}
    m = Manifest("report", ident.public(), body,
                 (Attachment("p.jpg", "image/jpeg", len(PHOTO), sha, att),),
                 inv.secret).signed(ident)  # type: ignore[attr-defined]
    env = seal_envelope(frame_content(m.to_bytes()) + PHOTO, [desk.store.public], os.urandom)
    return int(d.client.upload(env).index)  # type: ignore[attr-defined]


def _open(desk_dir: Path, d: object) -> Desk:
    return Desk.open(desk_dir, PASS, client_factory=lambda url: DropClient(
        url, transport=d.transport))  # type: ignore[attr-defined]


def _slot_kept(d: object, index: int) -> bool:
    """The desk's slot of the envelope is still unmarked on the drop (the envelope itself
    goes when every slot is; the others are padding here)."""
    row = d.service.store.envelope(index)  # type: ignore[attr-defined]
    return row is not None and not row.gone and row.deleted_mask == 0


@pytest.mark.parametrize("point", POINTS)
def test_a_fetch_killed_at_any_step_ends_with_the_report_once(tmp_path: Path,
                                                             point: str) -> None:
    drop_dir, desk_dir = tmp_path / "drop", tmp_path / "desk"
    Desk.init(desk_dir, "Cell", PASS)
    with in_process_drop(drop_dir) as d:
        desk = _open(desk_dir, d)
        inv = desk.invite(d.client.url, d.vkey)
        index = _send(d, desk, inv, Identity.generate(os.urandom))
        desk.close()
    child = subprocess.run([sys.executable, "-c", CHILD, str(drop_dir), str(desk_dir), point,
                            PASS], capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    with in_process_drop(drop_dir) as d:
        desk = _open(desk_dir, d)
        try:
            res = desk.fetch()
            assert res.errors == [] and res.quarantined == [] and res.withheld == [], res
            desk.fetch()  # and once more: nothing changes
            reports = desk.reports()
            assert [v.text for v in reports] == ["crash me"]
            rid = reports[0].id
            r = desk.store.get_report(rid)
            assert r["trusted"] is True
            assert b"".join(desk.attachment_chunks(rid, 0)) == PHOTO
            actions = [e["action"] for e in desk.custody(rid)]
            for action in ("received", "verified", "deleted-from-drop"):
                assert actions.count(action) == 1, (action, actions)
            assert actions.index("received") < actions.index("verified") < actions.index(
                "deleted-from-drop")
            assert not _slot_kept(d, index)  # the desk's copy on the drop is deleted
            # Its blobs are there (a kill before the commit leaves the ones it wrote as
            # unreferenced files, sealed like every blob).
            held = {r["envelope_blob"]} | {a["blob"] for a in r["attachments"]}
            assert held <= set(os.listdir(desk_dir / "blobs"))
        finally:
            desk.close()


class _Failing(DropClient):
    """A drop whose deletions fail (``answer``: a status, or None for no answer at all)."""

    answer: int | None = 0

    def delete(self, index: int, secret: bytes) -> bool:
        if self.answer == 0:
            return super().delete(index, secret)
        if self.answer is None:
            raise TransportError("the drop did not answer")
        raise DropRefused("no", status=self.answer)


@contextlib.contextmanager
def _desk_with_a_report(
    tmp_path: Path, client: type[DropClient] = DropClient
) -> Iterator[tuple[Any, Desk, int]]:
    """A desk (its drop reached through ``client``) with one report sent to it, not yet
    fetched: (the in-process drop, the desk, the envelope's index)."""
    desk_dir = tmp_path / "desk"
    Desk.init(desk_dir, "Cell", PASS)
    with in_process_drop(tmp_path / "drop") as d:
        desk = Desk.open(desk_dir, PASS, client_factory=lambda url: client(
            url, transport=d.transport))
        try:
            inv = desk.invite(d.client.url, d.vkey)
            yield d, desk, _send(d, desk, inv, Identity.generate(os.urandom))
        finally:
            _Failing.answer = 0
            desk.close()


@pytest.mark.parametrize("answer", [None, 500, 503, 429])
def test_a_deletion_the_drop_fails_is_tried_again_and_custody_says_only_what_happened(
    tmp_path: Path, answer: int | None
) -> None:
    with _desk_with_a_report(tmp_path, _Failing) as (d, desk, index):
        _Failing.answer = answer
        for _ in range(2):  # as often as it fails
            res = desk.fetch()
            assert len(desk.reports()) == 1 and res.quarantined == []
            assert [w for w in res.warnings if "tries again on the next fetch" in w]
            assert _slot_kept(d, index)
        rid = desk.reports()[0].id
        assert "deleted-from-drop" not in [e["action"] for e in desk.custody(rid)]
        _Failing.answer = 0  # the drop recovers
        res = desk.fetch()
        assert res.warnings == [] and not _slot_kept(d, index)
        desk.fetch()
        actions = [e["action"] for e in desk.custody(rid)]
        assert actions.count("deleted-from-drop") == 1 and len(desk.reports()) == 1


@pytest.mark.parametrize(("answer", "said"), [
    (403, "refused to delete it"),  # a refusal: the envelope stays until it expires
    (410, "already gone (deleted or expired)"),  # its copy is gone already
])  # fmt: skip
def test_a_deletion_the_drop_refuses_or_calls_gone_is_not_asked_again(
    tmp_path: Path, answer: int, said: str
) -> None:
    """Custody records no deletion the desk did not make, and the desk says which it was."""
    with _desk_with_a_report(tmp_path, _Failing) as (_d, desk, _index):
        _Failing.answer = answer
        res = desk.fetch()
        assert any(said in w for w in res.warnings), res.warnings
        assert desk.fetch().warnings == []  # not asked again
        rid = desk.reports()[0].id
        assert "deleted-from-drop" not in [e["action"] for e in desk.custody(rid)]


def test_the_report_is_on_disk_before_the_drop_deletes_its_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a power cut could still take (a new blob's name in its folder, a commit the
    SQLite build does not sync) is synced before the drop is told to delete."""
    import sqlite3

    from tysha.desk import store as store_mod

    real_connect = sqlite3.connect

    def connect(*a: object, **k: object) -> sqlite3.Connection:
        conn = real_connect(*a, **k)  # type: ignore[arg-type]
        conn.execute("PRAGMA synchronous=NORMAL")  # a build whose WAL default is NORMAL
        return conn

    monkeypatch.setattr(store_mod.sqlite3, "connect", connect)
    events: list[str] = []
    real_fsync, real_delete = os.fsync, DropClient.delete

    def fsync(fd: int) -> None:
        events.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    def delete(self: DropClient, index: int, secret: bytes) -> bool:
        events.append("delete")
        return real_delete(self, index, secret)

    with _desk_with_a_report(tmp_path) as (d, desk, _index):
        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(DropClient, "delete", delete)
        assert len(desk.fetch().new_reports) == 1
        with desk.store._db() as db:
            assert db.execute("PRAGMA synchronous").fetchone()[0] >= 2  # FULL
    blobs = str((tmp_path / "desk" / "blobs").resolve())
    before = events[: events.index("delete")]
    last_blob = max(i for i, p in enumerate(before) if p.startswith(blobs + os.sep))
    assert blobs in before[last_blob:], events  # the folder, after its last new file


def _full(*a: object, **k: object) -> None:
    raise OSError(28, "No space left on device")


def _db_full(*a: object, **k: object) -> None:
    import sqlite3

    raise sqlite3.OperationalError("database or disk is full")


@pytest.mark.parametrize("where", ["blob-write", "blob-close", "blob-sync", "report",
                                   "custody", "after-delete"])
def test_a_full_disk_mid_fetch_loses_nothing_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    from tysha.desk import blobs as blobs_mod
    from tysha.desk import store as store_mod

    with _desk_with_a_report(tmp_path) as (d, desk, index):
        with monkeypatch.context() as m:
            if where == "blob-write":
                m.setattr(blobs_mod.BlobWriter, "write", _full)
            elif where == "blob-close":
                m.setattr(blobs_mod.BlobWriter, "close", _full)
            elif where == "blob-sync":
                m.setattr(blobs_mod.BlobStore, "sync", _full)
            elif where == "report":
                m.setattr(store_mod.DeskStore, "add_report", _db_full)
            elif where == "custody":
                real = store_mod.DeskStore.custody
                m.setattr(store_mod.DeskStore, "custody", lambda self, action, *a: (
                    _db_full() if action == "verified" else real(self, action, *a)))
            else:
                real = store_mod.DeskStore.custody
                m.setattr(store_mod.DeskStore, "custody", lambda self, action, *a: (
                    _db_full() if action == "deleted-from-drop"
                    else real(self, action, *a)))
            res = desk.fetch()
        assert res.quarantined == [] and desk.quarantined() == []
        assert res.errors == [f"envelope {index}: the desk could not store it"]
        if where != "after-delete":
            assert desk.reports() == [] and _slot_kept(d, index)
        res = desk.fetch()  # room again
        assert res.errors == [] and [v.text for v in desk.reports()] == ["crash me"]
        rid = desk.reports()[0].id
        actions = [e["action"] for e in desk.custody(rid)]
        for action in ("received", "verified", "deleted-from-drop"):
            assert actions.count(action) == 1, (action, actions)
        assert not _slot_kept(d, index)


@pytest.mark.parametrize("failing", ["reply-queued", "replied"])
def test_a_reply_that_fails_midway_is_all_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """The desk's disk fails while a reply is queued or marked sent: the handler is told,
    and the desk shows exactly what its custody says (never 'sent' without 'replied', never
    a reply queued, to go out later, that the handler was told failed)."""
    from tysha.desk import store as store_mod
    from tysha.errors import StorageError

    with _desk_with_a_report(tmp_path) as (d, desk, _index):
        desk.fetch()
        rid = desk.reports()[0].id
        real = store_mod.DeskStore.custody

        def custody(self: object, action: str, *a: object) -> None:
            if action == failing:
                raise StorageError("desk database error: OperationalError")
            real(self, action, *a)  # type: ignore[arg-type]

        with monkeypatch.context() as m:
            m.setattr(store_mod.DeskStore, "custody", custody)
            with pytest.raises(StorageError):
                desk.reply(rid, "we hear you")
        actions = [e["action"] for e in desk.custody(rid)]
        replies = desk.store.get_report(rid).data.get("replies", [])
        if failing == "reply-queued":  # told it failed: nothing is queued to go out
            assert desk.outbox() == [] and replies == [] and "reply-queued" not in actions
            assert desk.send_queued().sent == []
        else:  # sent, but not yet recorded: still queued, shown unsent, sent again
            assert len(desk.outbox()) == 1 and "replied" not in actions
            assert [r["sent_at"] for r in replies] == [None]
            assert desk.send_queued().sent == [rid]
            actions = [e["action"] for e in desk.custody(rid)]
            assert actions.count("replied") == 1 and desk.outbox() == []
            replies = desk.store.get_report(rid).data["replies"]
            assert len(replies) == 1 and replies[0]["sent_at"]


def test_an_export_that_runs_out_of_disk_leaves_the_old_bundle_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    from tysha.errors import StorageError

    with _desk_with_a_report(tmp_path) as (d, desk, _index):
        desk.fetch()
        out = tmp_path / "out" / "case.zip"
        out.parent.mkdir()
        assert desk.export(out) == 1
        before = out.read_bytes()
        real = zipfile.ZipFile.writestr
        calls = [0]

        def writestr(self: zipfile.ZipFile, *a: object, **k: object) -> None:
            calls[0] += 1
            if calls[0] == 3:
                raise OSError(28, "No space left on device")
            real(self, *a, **k)  # type: ignore[arg-type]

        monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)
        with pytest.raises(StorageError, match="cannot write the bundle"):
            desk.export(out)
        assert out.read_bytes() == before  # the old bundle, whole
        assert os.listdir(out.parent) == ["case.zip"]  # no part file left
