"""What the drop's operator meets: a storage outage (a full disk) told once when it begins and
once when it ends - never a line per request, which would fill what space remains - and
nothing of a client's (address, bytes) in what is logged."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tysha.drop.launcher import in_process_drop
from tysha.protocol import Identity, seal_envelope
from tysha.store import segments

ME = Identity.generate(os.urandom)


def envelope(n: int = 3000) -> bytes:
    return seal_envelope(os.urandom(n), [ME.public()], os.urandom)


def no_space(*_: Any) -> int:
    raise OSError(errno.ENOSPC, "No space left on device")


def drop_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("tysha")]


def test_a_full_disk_answers_503_keeps_nothing_and_is_told_once_then_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The disk filling under the drop (its writes, then its fdatasync, fail with ENOSPC):
    every submission meanwhile is 503 with Retry-After and none is in the log; the operator
    was told nothing at all while the blob writes failed (and a line per batch, naming only
    an exception class, while the syncs did). Now one line says the disk is full and what
    the drop does meanwhile, and one more that it stores again once space is back."""
    caplog.set_level(logging.INFO)
    with in_process_drop(tmp_path / "d") as drop:
        http = drop.transport.client(drop.client.url, 30)

        def submit() -> httpx.Response:
            return http.post("/v1/envelopes", content=envelope())

        with monkeypatch.context() as m:
            m.setattr(segments.os, "pwrite", no_space)
            answers = [submit() for _ in range(4)]
        with monkeypatch.context() as m:
            m.setattr(segments.os, "fdatasync", no_space)
            answers += [submit() for _ in range(4)]
        assert [a.status_code for a in answers] == [503] * 8
        assert all(a.headers["retry-after"] == "5" for a in answers)
        assert all("nothing was acknowledged" in a.json()["detail"] for a in answers)
        assert drop.service.checkpoint()[0] == 0  # nothing kept, nothing acknowledged
        failing = drop_lines(caplog)
        assert len(failing) == 1, failing
        assert "disk is full" in failing[0] and "503" in failing[0]
        caplog.clear()
        back = submit()
        assert back.status_code == 200 and back.json()["receipt"]["index"] == 0
        assert submit().status_code == 200
        told = drop_lines(caplog)
        assert len(told) == 1 and "again" in told[0], told
        assert "8" in told[0]  # how many were refused meanwhile


def test_a_client_gone_mid_body_is_not_logged_as_an_internal_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that hangs up in the middle of a request body (a phone losing its network,
    every few minutes on a bad line) was logged by the drop as ``unexpected
    ClientDisconnect`` at ERROR - a line per dropped connection that anyone can produce, and
    that reads as a bug. It is an ordinary event now: nothing is logged."""
    import socket
    import time

    from tysha.drop.launcher import threaded_drop

    caplog.set_level(logging.INFO)
    with threaded_drop(tmp_path) as (url, _, _):
        port = int(url.rsplit(":", 1)[1])
        for head in (
            b"POST /v1/uploads HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\n"
            b"Content-Length: 200\r\n\r\n{\"digest\":",
            b"POST /v1/envelopes/0/delete HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\n"
            b"Content-Length: 300\r\n\r\n{",
        ):
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(head)
                time.sleep(0.3)
        time.sleep(0.5)
    noisy = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert noisy == []


def test_garbage_and_upgrade_requests_write_no_line_each_to_the_operators_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every garbage request (a port scanner, TLS spoken to plain HTTP) got a warning line,
    and every ``Upgrade: websocket`` request two - the second advising the operator to
    ``pip install 'uvicorn[standard]'``, WebSocket support the drop leaves out on purpose:
    a line per request that anyone can send, filling the disk the drop keeps envelopes on.
    The client has its 400 (or its ordinary answer); the log keeps nothing of it."""
    import socket

    from tysha.drop.launcher import threaded_drop

    caplog.set_level(logging.INFO)
    with threaded_drop(tmp_path) as (url, _, _):
        port = int(url.rsplit(":", 1)[1])
        for request in (
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64),
            b"GET /v1/info HTTP/1.1\r\nHost: d\r\nX-Bad\x00: 1\r\n\r\n",
            b"GET /v1/info HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            b"Sec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n",
            b"GET /v1/info HTTP/1.1\r\nHost: d\r\nConnection: Upgrade, HTTP2-Settings\r\n"
            b"Upgrade: h2c\r\nHTTP2-Settings: AAA\r\n\r\n",
        ):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(request)
                assert s.recv(64).startswith(b"HTTP/1.1 ")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    # Requests refused beyond max_connections: said, but not once per request.
    from tysha.transport.serving import _ClientFaults

    faults = _ClientFaults()
    busy = logging.LogRecord("uvicorn.error.tysha", logging.WARNING, "", 0, faults.BUSY, None, None)
    assert [faults.filter(busy) for _ in range(3)] == [True, False, False]


def test_a_database_the_drop_cannot_use_is_told_as_such(tmp_path: Path) -> None:
    """``--database`` naming a PostgreSQL server that does not answer said "database error:
    OperationalError — check the path, free disk space and the passphrase" (a drop has no
    passphrase, and nothing said it could not connect); a URL that is not PostgreSQL's got the
    same passphrase advice. Each now says what is wrong with the database given and what to
    check, and never repeats the URL's password."""
    from tests.conftest import tysha
    from tysha.drop.launcher import init_data

    init_data(tmp_path / "d")
    for url, said in (
        ("postgresql://alice:SECRETPW@127.0.0.1:1/x", "cannot connect to the database"),
        ("mysql://alice:SECRETPW@127.0.0.1/x", "postgresql://"),
    ):
        r = tysha("drop", "info", "--data", tmp_path / "d", "--database", url, check=False,
                  env={"TYSHA_LANG": "en"})  # fmt: skip
        assert r.returncode == 1 and said in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
        assert "passphrase" not in r.stderr and "SECRETPW" not in r.stderr
        assert "OperationalError" not in r.stderr


def test_intake_refused_for_low_disk_space_is_told_once_then_its_end(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Below ``min_free_bytes`` free the drop answers 507 to every submission - and told its
    operator nothing, who learnt of it from sources that could not send. One line now says
    so when it begins, and one when space is back."""
    caplog.set_level(logging.INFO)
    with in_process_drop(tmp_path / "d") as drop:
        http = drop.transport.client(drop.client.url, 30)
        drop.service.free_space = lambda: 0
        answers = [http.post("/v1/envelopes", content=envelope()) for _ in range(3)]
        assert [a.status_code for a in answers] == [507] * 3
        told = drop_lines(caplog)
        assert len(told) == 1 and "507" in told[0] and "min_free_bytes" in told[0], told
        caplog.clear()
        drop.service.free_space = lambda: 1 << 40
        assert http.post("/v1/envelopes", content=envelope()).status_code == 200
        assert http.post("/v1/envelopes", content=envelope()).status_code == 200
        told = drop_lines(caplog)
        assert len(told) == 1 and "again" in told[0], told


def test_an_object_store_outage_is_told_once_not_every_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """With ``--blobs`` the drop publishes its log to the object store after batches, and
    tried again every second while that failed - writing "publishing failed: StorageError"
    each time: 3,600 lines an hour of an outage. One line now when publishing starts to
    fail, one when it works again."""
    import asyncio
    import contextlib

    from tysha.drop.launcher import init_data
    from tysha.drop.service import DropService
    from tysha.errors import StorageError

    init_data(tmp_path / "d")
    svc = DropService(tmp_path / "d")
    calls = {"n": 0}

    def publish() -> None:
        calls["n"] += 1
        if calls["n"] <= 3:
            raise StorageError("cannot publish the log")

    monkeypatch.setattr(svc, "publish_log", publish)

    async def run() -> None:
        svc._publish_wanted = asyncio.Event()
        svc._publish_wanted.set()
        task = asyncio.create_task(svc._publisher())
        for _ in range(100):
            await asyncio.sleep(0.1)
            if calls["n"] >= 4:
                break
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    caplog.set_level(logging.INFO)
    asyncio.run(run())
    svc.store.close()
    svc.blobs.close()
    assert calls["n"] == 4
    lines = drop_lines(caplog)
    assert len(lines) == 2, lines
    assert "publish" in lines[0] and "again" in lines[1]


def test_a_chunk_the_full_disk_cut_short_is_503_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A resumable upload's chunk written while the disk filled raised the bare OSError out
    of the upload store: the client got 500 "internal error" (no Retry-After), the operator
    an "unexpected OSError" line per chunk, and the part file kept the bytes written before
    the fsync failed - never acknowledged, yet counted in the upload's offset. Now it is
    503 with Retry-After, the part is cut back to what was acknowledged, nothing is logged
    per chunk, and the chunk is taken once space is back."""
    import hashlib

    from tysha.drop import uploads

    caplog.set_level(logging.INFO)
    env = envelope(200_000)
    with in_process_drop(tmp_path / "d") as drop:
        http = drop.transport.client(drop.client.url, 30)
        made = http.post("/v1/uploads", json={
            "digest": hashlib.sha256(env).hexdigest(), "length": len(env)}).json()  # fmt: skip
        url = f"/v1/uploads/{made['upload']}?offset=0"
        with monkeypatch.context() as m:
            # The chunk's bytes are written, then making them durable finds the disk full.
            m.setattr(uploads.os, "fsync", no_space)
            r = http.put(url, content=env[:100_000])
            other = envelope(100_000)
            opened = http.post("/v1/uploads", json={
                "digest": hashlib.sha256(other).hexdigest(), "length": len(other)})  # fmt: skip
        assert opened.status_code == 503, opened.text
        assert r.status_code == 503 and r.headers["retry-after"] == "5", r.text
        status = http.get(f"/v1/uploads/{made['upload']}").json()
        assert status["offset"] == 0  # nothing unacknowledged counted
        assert drop_lines(caplog) == []
        assert http.put(url, content=env[:100_000]).json()["offset"] == 100_000


def test_a_storage_outage_that_is_not_a_full_disk_is_named_in_the_drops_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An outage that is not a full disk (an I/O error, the database away) was told as
    "the drop cannot store envelopes (StorageError)" - the name of an exception class, the
    same for every cause. It names what failed now, in the drop's own words (no path, no
    driver text)."""

    def io_error(*_: Any) -> int:
        raise OSError(errno.EIO, "Input/output error")

    caplog.set_level(logging.INFO)
    with in_process_drop(tmp_path / "d") as drop:
        http = drop.transport.client(drop.client.url, 30)
        with monkeypatch.context() as m:
            m.setattr(segments.os, "pwrite", io_error)
            assert http.post("/v1/envelopes", content=envelope()).status_code == 503
    lines = drop_lines(caplog)
    assert len(lines) == 1 and "cannot store envelope" in lines[0], lines
    assert "StorageError" not in lines[0] and str(tmp_path) not in lines[0]


def test_a_drop_folder_of_a_newer_tysha_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    """A drop whose database a newer Tysha wrote was refused - but only after this version
    had opened its segments: made ``segments/index.db`` and ``uploads`` where there were
    none, added this version's tables to the index, and cut off, as torn, every segment's
    tail it could not read (a newer record format's envelopes, acknowledged ones). It is
    refused now before anything in the folder is opened for writing, in one line that says
    what to do (not "check the passphrase"), in the operator's language; no byte changes."""
    import contextlib
    import sqlite3

    from conftest import tysha

    from tysha.store.drop_store import SCHEMA_VERSION

    data = tmp_path / "d"
    with in_process_drop(data) as d:
        d.client.upload(envelope())
    seg = next((data / "blobs" / "segments").glob("*.seg"))
    with open(seg, "ab") as f:  # a record of a later format, past what this one indexed
        f.write(b"TYS9" + os.urandom(4096))
    db = sqlite3.connect(data / "drop.db")
    with db:
        db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    db.close()
    (data / "uploads").rmdir()
    (data / "blobs" / "segments" / "index.db").rename(data / "blobs" / "segments" / "old-index")

    def content(p: Path) -> bytes:
        if p.name.endswith(".db"):  # what it holds, its WAL included (a checkpoint moves it)
            with contextlib.closing(sqlite3.connect(f"{p.as_uri()}?mode=ro", uri=True)) as db:
                return "\n".join(db.iterdump()).encode()
        return p.read_bytes() if p.is_file() else b"/"

    def tree() -> dict[str, bytes]:
        # A database's -wal and -shm are read through it (content above).
        return {str(p.relative_to(data)): content(p) for p in sorted(data.rglob("*"))
                if not p.name.endswith(("-wal", "-shm"))}  # fmt: skip

    before = tree()
    for command in (["info", "--json"], ["serve", "--port", "0"]):
        r = tysha("drop", *command, "--data", data, check=False, env={"TYSHA_LANG": "en"})
        assert r.returncode == 1 and "newer than this version" in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "passphrase" not in r.stderr
        assert tree() == before
    r = tysha("drop", "info", "--data", data, check=False, env={"TYSHA_LANG": "uk"})
    assert r.returncode == 1 and "новіш" in r.stderr, r.stderr
    assert tree() == before
