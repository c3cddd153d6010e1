"""``tysha drop serve`` (issue 10.11, 9.4): "serving" only once listening, one clear line on
failure, and connections that cannot hold the drop (real processes: the claim is about them)."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tysha.drop.launcher import free_port, init_data, wait_ready


def serve(data: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tysha.cli", "drop", "serve", "--data", str(data),
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )


def test_busy_port_and_missing_folder_fail_with_one_line(tmp_path: Path) -> None:
    init_data(tmp_path / "d")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        p = serve(tmp_path / "d", port)
        out, err = p.communicate(timeout=60)
    assert p.returncode == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "busy" in lines[0] and "serving" not in err, err
    assert "Traceback" not in err and "Errno" not in err
    p = serve(tmp_path / "nowhere", free_port())
    out, err = p.communicate(timeout=60)
    assert p.returncode == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "not a drop folder" in lines[0] and "serving" not in err, err


@pytest.mark.slow
def test_serving_is_printed_once_listening_and_stalled_headers_are_dropped(
    tmp_path: Path,
) -> None:
    init_data(tmp_path / "d")
    port = free_port()
    p = serve(tmp_path / "d", port)
    try:
        assert p.stderr is not None
        ready, _, _ = select.select([p.stderr], [], [], 60)
        assert ready, "the drop never said it was serving"
        line = p.stderr.readline()
        assert "serving on port" in line
        # It said so: it must answer now, without a retry loop.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /v1/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert s.recv(64).startswith(b"HTTP/1.1 200")
        # A client that opens a connection and sends half a header is cut off.
        from tysha.drop import server

        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"GET /v1/info HTTP/1.1\r\nHost: x\r\n")
            s.settimeout(server.HEADER_TIMEOUT + 20)
            t0 = time.monotonic()
            assert s.recv(64) == b""  # closed by the drop
            assert time.monotonic() - t0 < server.HEADER_TIMEOUT + 15
        wait_ready(f"http://127.0.0.1:{port}", None)
    finally:
        p.terminate()
        p.communicate(timeout=10)  # also closes its pipes


def test_a_drop_that_cannot_start_says_so_in_one_line(tmp_path: Path) -> None:
    """The drop's startup work (expiry and debris collection over its storage) failing - a
    database gone between the check and the start, a disk's I/O error - printed uvicorn's
    "ERROR: Traceback (most recent call last): …" (the drop's source paths, the error's
    text) and "Application startup failed. Exiting.", exit 3; with ``--workers`` a traceback
    per worker, and exit 0 - a drop that never served reported success. It is the CLI's one
    line now, exit 1, with what to check; a worker says why in one line. (The first worker to
    fail stops the drop: the other may be stopped before its own startup has failed, so it
    says nothing - on a loaded machine, often.)"""
    init_data(tmp_path / "d")
    hook = tmp_path / "hook"
    hook.mkdir()
    # Every process started (the workers too) finds the drop's startup failing.
    (hook / "sitecustomize.py").write_text(
        "import tysha.drop.service as s\n"
        "def bad(self):\n"
        "    raise s.StorageError('database error: OperationalError')\n"
        "s.DropService.maintenance = bad\n"
    )
    path = os.pathsep.join([str(hook), *filter(None, [os.environ.get("PYTHONPATH")])])
    for workers in ([], ["--workers", "2"]):
        p = subprocess.run(
            [sys.executable, "-m", "tysha.cli", "drop", "serve", "--data", str(tmp_path / "d"),
             "--port", str(free_port()), *workers],
            capture_output=True, text=True, timeout=60,
            env=dict(os.environ, PYTHONUNBUFFERED="1", TYSHA_LANG="en", PYTHONPATH=path),
        )  # fmt: skip
        assert p.returncode == 1, p.stderr
        last = p.stderr.strip().splitlines()[-1]
        assert last.startswith("tysha: error: the drop could not start"), p.stderr
        assert "passphrase" not in last and "Traceback" not in p.stderr
        if not workers:
            assert len(p.stderr.strip().splitlines()) == 1 and "serving" not in p.stderr
            assert "database error" in last
        else:
            assert 1 <= p.stderr.count("could not start: database error") <= 2, p.stderr
            assert "serving" not in p.stderr, p.stderr  # it never served


def _hooked(tmp_path: Path, code: str) -> dict[str, str]:
    """The environment of a drop whose every process (its workers too) first runs ``code``
    (a ``sitecustomize`` on its path)."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(code)
    path = os.pathsep.join([str(hook), *filter(None, [os.environ.get("PYTHONPATH")])])
    return dict(os.environ, PYTHONUNBUFFERED="1", TYSHA_LANG="en", PYTHONPATH=path)


def _until(check: Any, proc: subprocess.Popen[str], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert proc.poll() is None, f"the drop ended while waiting for {what}"
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)


def test_with_workers_serving_is_said_once_every_process_answers(tmp_path: Path) -> None:
    """``drop serve --workers N`` printed "serving on port … with N processes" before its
    processes had even started: a drop whose workers were still collecting debris (minutes on
    a large drop), or could not start at all, said it served. It is said now once every
    process answers, and then a request is answered at once."""
    init_data(tmp_path / "d")
    gate = tmp_path / "gate"
    gate.mkdir()
    env = _hooked(tmp_path, (
        "import os, pathlib, time\n"
        "import tysha.drop.service as s\n"
        "real = s.DropService.maintenance\n"
        "def held(self):\n"
        f"    gate = pathlib.Path({str(gate)!r})\n"
        "    (gate / f'in-{os.getpid()}').touch()\n"
        "    while not (gate / 'open').exists():\n"
        "        time.sleep(0.02)\n"
        "    real(self)\n"
        "s.DropService.maintenance = held\n"
    ))  # fmt: skip
    port = free_port()
    p = subprocess.Popen(
        [sys.executable, "-m", "tysha.cli", "drop", "serve", "--data", str(tmp_path / "d"),
         "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert p.stderr is not None
        # Both workers are held in their startup: nothing may say the drop serves.
        _until(lambda: len(list(gate.glob("in-*"))) == 2, p, "both workers starting")
        early, _, _ = select.select([p.stderr], [], [], 0)
        said = os.read(p.stderr.fileno(), 4096).decode() if early else ""
        assert "serving" not in said, said
        (gate / "open").touch()
        ready, _, _ = select.select([p.stderr], [], [], 60)
        assert ready, "the drop never said it was serving"
        line = p.stderr.readline()
        assert "serving on port" in line and "with 2 processes" in line, line
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /v1/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert s.recv(64).startswith(b"HTTP/1.1 200")
    finally:
        (gate / "open").touch()
        p.terminate()
        p.communicate(timeout=30)


def test_a_worker_that_cannot_open_the_drop_stops_it_in_one_line(tmp_path: Path) -> None:
    """A worker process that could not open the drop (its database refusing one more
    connection, the folder unreadable to it) printed a traceback and was started again, for
    ever: the command said it served and never ended. It ends now, exit 1, with the worker's
    reason in one line and the CLI's line last; it never said it served."""
    init_data(tmp_path / "d")
    env = _hooked(tmp_path, (
        "import os\n"
        "import tysha.drop.service as s\n"
        "real = s.DropService.__init__\n"
        "def refused(self, *a, **k):\n"
        "    if os.environ.get('TYSHA_DROP_DATA'):  # a worker (the command sets it for them)\n"
        "        raise s.StorageError('database error: OperationalError')\n"
        "    real(self, *a, **k)\n"
        "s.DropService.__init__ = refused\n"
    ))  # fmt: skip
    p = subprocess.run(
        [sys.executable, "-m", "tysha.cli", "drop", "serve", "--data", str(tmp_path / "d"),
         "--port", str(free_port()), "--workers", "2"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert p.returncode == 1, p.stderr
    assert "Traceback" not in p.stderr and "serving" not in p.stderr, p.stderr
    lines = p.stderr.strip().splitlines()
    assert lines[-1].startswith("tysha: error: the drop could not start"), p.stderr
    assert "could not start: database error" in p.stderr, p.stderr
