"""``tysha witness serve`` as its operator meets it (real processes: the claim is about them):
a port it cannot listen on is one clear line, as for the drop and the desk, and the port it
says it serves on is the one it serves on."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tysha.witness.service import init_witness
from tysha.witness.testing import MemoryLog


def serve(data: Path, *args: str) -> tuple[int, str]:
    log = MemoryLog("example.org/log")
    p = subprocess.Popen(
        [sys.executable, "-m", "tysha.cli", "witness", "serve", "--data", str(data),
         "--log", f"{log.origin}={log.vkey}", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )  # fmt: skip
    try:
        _, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        pytest.fail(f"the witness served where it could not listen as asked: {err!r}")
    return p.returncode, err


def test_a_port_it_cannot_listen_on_is_one_clear_line(tmp_path: Path) -> None:
    """A busy port was uvicorn's ``ERROR: [Errno 98] error while attempting to bind on
    address ('127.0.0.1', N): address already in use`` and exit code 3; an unknown host
    ``[Errno -2] Name or service not known``; and ``--port 99999`` said "on port 99999"
    while it listened on 34463 (the number wrapped round). Each is now the CLI's one line,
    exit 1, and nothing says it is serving."""
    init_witness(tmp_path / "w", "witness.example/w1")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        code, err = serve(tmp_path / "w", "--port", str(busy.getsockname()[1]))
    assert code == 1 and "busy" in err, err
    for args, said in (
        (["--port", "99999"], "not a valid address"),
        (["--host", "no-such-host.invalid", "--port", "0"], "not a valid address"),
    ):
        code, err = serve(tmp_path / "w", *args)
        assert code == 1 and said in err, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("tysha: error:"), err
        assert "Errno" not in err and "following" not in err


@pytest.mark.slow
def test_hostile_connections_are_cut_off_and_leave_no_line_each(tmp_path: Path) -> None:
    """The witness ran uvicorn's plain HTTP protocol: a connection that sent half a request
    line and then nothing was held for good (a few hundred such, under its concurrency limit
    of 512, and every drop's cosigning request got 503), a header of any size was read into
    memory, and each garbage or upgrade request wrote a warning line (two for an upgrade, one
    advising ``pip install 'uvicorn[standard]'``). It serves with the drop's guarded protocol
    now: headers must arrive within the header deadline and under the header cap (431), and
    a hostile request leaves nothing in the operator's log."""
    import time

    from tysha.drop.launcher import free_port
    from tysha.transport.serving import HEADER_TIMEOUT
    from tysha.witness.testing import start_witness, wait_witness

    init_witness(tmp_path / "w", "witness.example/w1")
    log = MemoryLog("example.org/log")
    port = free_port()
    out = tmp_path / "witness.log"
    proc = start_witness(tmp_path / "w", port, [(log.origin, log.vkey)], log_file=out)
    try:
        wait_witness(f"http://127.0.0.1:{port}", proc)
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64))
            assert s.recv(64).startswith(b"HTTP/1.1 400")
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: w\r\nConnection: Upgrade\r\n"
                      b"Upgrade: websocket\r\n\r\n")  # fmt: skip
            assert s.recv(64).startswith(b"HTTP/1.1 200")
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: w\r\nX-Fill: " + b"a" * (64 << 10))
            s.settimeout(10)
            assert s.recv(64).startswith(b"HTTP/1.1 431")
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\n")
            s.settimeout(HEADER_TIMEOUT + 20)
            t0 = time.monotonic()
            assert s.recv(64) == b""  # let go by the witness
            assert time.monotonic() - t0 < HEADER_TIMEOUT + 15
    finally:
        proc.terminate()
        proc.wait(10)
    lines = out.read_text().splitlines()
    assert [line for line in lines if "following" not in line] == [], lines


def test_a_witness_that_cannot_commit_tells_its_operator_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A witness whose disk filled answered every drop 503 (nothing cosigned, as it must) and
    told its own operator nothing at all. One line now says it cannot commit its state and
    what it answers meanwhile, and one more once it cosigns again."""
    import logging
    import sqlite3

    from tysha.errors import StorageError
    from tysha.tlog import NoteVerifier
    from tysha.tlog.witness import format_add_checkpoint
    from tysha.witness.service import WitnessService

    log = MemoryLog("example.org/log")
    init_witness(tmp_path / "w", "witness.example/w1")
    svc = WitnessService(tmp_path / "w", {log.origin: [NoteVerifier.from_vkey(log.vkey)]})
    real = svc._db
    full = {"on": True}

    class FullDisk:
        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
            if sql == "COMMIT" and full["on"]:
                raise sqlite3.OperationalError("database or disk is full")
            return real.execute(sql, *args)

    svc._db = FullDisk()  # type: ignore[assignment]
    caplog.set_level(logging.INFO, logger="tysha.witness")
    for n in range(3):
        log.append(b"entry %d" % n)
        with pytest.raises(StorageError):
            svc.add_checkpoint(format_add_checkpoint(0, [], log.checkpoint()))
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "cannot commit" in lines[0] and "503" in lines[0], lines
    caplog.clear()
    full["on"] = False
    for n in range(2):
        log.append(b"later %d" % n)
        old = svc.state(log.origin)[0]
        proof = log.proof(old, log.size) if old else []
        assert svc.add_checkpoint(format_add_checkpoint(old, proof, log.checkpoint())).status == 200
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "again" in lines[0], lines
    svc._db = real  # type: ignore[assignment]
    svc.close()


def test_a_witness_folder_of_a_newer_tysha_is_refused_and_left_as_it_was(
    tmp_path: Path,
) -> None:
    """``witness.json`` carries the format's version, and nothing read it: a folder written by
    a newer Tysha (another state, other rules for what was cosigned) was opened and served as
    this one's - a witness that may cosign what its state would refuse. It is refused now,
    in one line, before its database is opened: no file changes."""
    import json

    from tysha.errors import TyshaError
    from tysha.i18n import translate_message
    from tysha.tlog import NoteVerifier
    from tysha.witness.service import WitnessService

    data = tmp_path / "w"
    init_witness(data, "witness.example/w1")
    config = json.loads((data / "witness.json").read_text())
    (data / "witness.json").write_text(json.dumps(config | {"version": 2}))
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    log = MemoryLog("example.org/log")
    with pytest.raises(TyshaError) as refused:
        WitnessService(data, {log.origin: [NoteVerifier.from_vkey(log.vkey)]})
    assert refused.value.message == "this witness was written by a newer Tysha; upgrade first"
    assert translate_message(refused.value.message, "uk").startswith("цього свідка")
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before
    # The same folder in its own version's form opens.
    (data / "witness.json").write_text(json.dumps(config))
    WitnessService(data, {log.origin: [NoteVerifier.from_vkey(log.vkey)]}).close()
